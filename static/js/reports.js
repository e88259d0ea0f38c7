// Report links (a[data-report]): the PDF is rendered on the background queue — the link asks
// for it with `Prefer: respond-async`, shows the rendering's progress beside itself, and opens
// the PDF when it is ready (API.md, "Reports").
(function () {
  const api = (url, extra) => fetch(url, {
    credentials: "same-origin",
    headers: window.ledgerlineHeaders ? window.ledgerlineHeaders(extra) : extra,
  });
  document.querySelectorAll("a[data-report]").forEach((link) => {
    const status = document.createElement("span");
    status.className = "report-status muted";
    status.setAttribute("role", "status");
    status.dataset.testid = "report-status";
    link.after(status);
    link.addEventListener("click", async (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey) return; // a plain download
      event.preventDefault();
      status.innerHTML = ' <span class="spinner"></span> queued…';
      try {
        const asked = await api(link.href, { Prefer: "respond-async" });
        const job = await asked.json();
        if (asked.status !== 202) throw new Error(job.detail || `${asked.status}`);
        const poll = async () => {
          const answer = await api(job.status_url);
          const now = await answer.json();
          if (now.state === "done") {
            status.textContent = ` ready (${now.pages} page${now.pages === 1 ? "" : "s"}, signed)`;
            window.location.assign(now.pdf_url);
            return;
          }
          if (now.state === "failed") throw new Error(now.error || "the rendering failed");
          const pct = Math.round(100 * (now.progress || 0));
          status.innerHTML = ` <progress max="100" value="${pct}"></progress> rendering… ${pct} %`;
          window.setTimeout(() => poll().catch(show), 1000);
        };
        const show = (error) => { status.textContent = ` not rendered: ${error.message}`; };
        await poll().catch(show);
      } catch (error) {
        status.textContent = ` not rendered: ${error.message}`;
      }
    });
  });
})();
