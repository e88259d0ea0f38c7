// While a verification is queued or running, poll the API and reload when it is done. The
// polls are the page's own doing: they carry no activity header, so they do not keep an idle
// session alive.
(function () {
  const box = document.getElementById("verification-status");
  if (!box || !box.dataset.pending) return;
  const poll = async () => {
    try {
      const response = await fetch("/api/v1/audit/verify/", { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!body.pending) { window.location.reload(); return; }
    } catch (e) { /* keep polling */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
})();
