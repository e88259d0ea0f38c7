// The root-cause ranking on a deviation's page: fetched from the API after the page (it takes a
// few seconds), shown as evidence charts of the best candidates — the deviation's tag beside
// each candidate carried to it (shifted by its lag, or through the RTD), so their changes line
// up — and a table of every candidate with the statistics that ranked it.
(function () {
  const box = document.querySelector("[data-rootcause]");
  if (!box) return;
  const $ = (name) => box.querySelector(`[data-rootcause-${name}]`);
  const SHOWN = 15;
  const utc = (iso) => (iso ? iso.slice(5, 19).replace("T", " ") : "—"); // MM-DD hh:mm:ss (UTC)
  const lag = (s) => (s === null || s === undefined ? "—" : s >= 120 ? `${(s / 60).toFixed(1)} min` : `${Math.round(s)} s`);
  const esc = (text) => String(text ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  function describe(c) {
    const e = c.evidence || {};
    if (c.kind === "lot_switch") return `lot ${esc(e.lot)} (${esc(e.material)}) charged to ${esc(e.feeder)}`;
    if (c.kind === "step_entry") {
      const what = e.corrects ? `correction of entry ${esc(e.corrects)}` : "entry";
      return `${what} ${esc(c.ref.replace("entry:", "#"))} on ${esc(e.step)} of ${esc(e.batch_number)}`;
    }
    if (c.kind === "equipment_event") return `<span class="mono">${esc(c.tag)}</span>: ${esc(e.from)} → ${esc(e.to)}`;
    return `<span class="mono">${esc(c.ref)}</span>`;
  }

  function flags(c) {
    const e = c.evidence || {};
    const out = [];
    if (e.consequence) out.push(["warn", "a consequence: began after the deviation's change"]);
    if (e.moves_with_target) out.push(["warn", "moves with the tag itself"]);
    if (e.follows) out.push(["warn", `follows ${e.follows.ref} (R² ${e.follows.r2})`]);
    if (e.loop && e.loop.role === "controller output") {
      out.push(["warn", `controller output of ${e.loop.controlled_variable}: ${Math.round(100 * e.loop.move_explained_by_controller)} % of its move is the controller answering`]);
    } else if (e.loop) out.push(["", `controlled by ${e.loop.controller_output}`]);
    if (e.note) out.push(["", e.note]);
    return out.map(([kind, text]) => `<span class="flag ${kind ? "flag-" + kind : ""}">${esc(text)}</span>`).join("");
  }

  function evidence(c) {
    const e = c.evidence || {};
    const parts = [];
    if (e.explained_r2 !== undefined) parts.push(`R² ${e.explained_r2.toFixed(2)}`);
    if (e.timing !== undefined) parts.push(`timing ${e.timing.toFixed(2)}`);
    if (e.size_sigma !== undefined) parts.push(`${e.size_sigma} σ`);
    if (e.lag_source === "rtd") parts.push(`via RTD ${esc(e.rtd_model)}`);
    else if (e.lag_source === "cross_correlation") parts.push("lag by cross-correlation");
    return `${parts.join(" · ")} ${flags(c)}`;
  }

  function table(candidates, all) {
    const rows = (all ? candidates : candidates.slice(0, SHOWN)).map((c, i) => `
      <tr data-candidate="${esc(c.ref)}"><td>${i + 1}</td><td>${describe(c)}</td><td>${esc(c.kind.replace("_", " "))}</td>
      <td><span class="score-bar" aria-hidden="true"><span style="width:${Math.round(100 * c.score)}%"></span></span>${c.score.toFixed(2)}</td>
      <td class="num">${lag(c.lag_s)}</td><td>${utc(c.onset)}</td><td>${evidence(c)}</td></tr>`);
    $("table").querySelector("tbody").innerHTML = rows.join("");
    $("table").hidden = false;
    $("more").hidden = all || candidates.length <= SHOWN;
  }

  function charts(body) {
    const holder = $("charts");
    (body.series || []).forEach((s, i) => {
      const panel = document.createElement("div");
      panel.className = "rootcause-chart";
      panel.dataset.testid = "rootcause-chart";
      const how = s.lag_source === "rtd" ? "through the RTD" : s.kind === "tag" ? `shifted by ${lag(s.lag_s)}` : `from its moment, ${lag(s.lag_s)} before`;
      const candidate = body.candidates.find((c) => c.ref === s.ref && c.kind === s.kind);
      panel.innerHTML = `<h3>#${i + 1} ${candidate ? describe(candidate) : esc(s.ref)}</h3><p>${esc(body.target.tag || "")} beside the candidate carried to it (${esc(how)})</p><div class="chart"></div>`;
      holder.appendChild(panel);
      const t0 = Date.parse(s.start);
      const at = (k) => t0 + k * s.step_s * 1000;
      const chart = echarts.init(panel.querySelector(".chart"), null, { renderer: "canvas" });
      const onset = body.target.onset ? Date.parse(body.target.onset) : null;
      chart.setOption({
        animation: false, textStyle: { fontFamily: "inherit" }, color: ["#0e2233", "#c2410c"],
        tooltip: { trigger: "axis" }, legend: { top: 0, textStyle: { fontSize: 11 } },
        grid: { left: 52, right: 52, top: 28, bottom: 24 },
        xAxis: { type: "time" },
        yAxis: [{ type: "value", scale: true, name: "", axisLabel: { fontSize: 10 } },
          { type: "value", scale: true, axisLabel: { fontSize: 10 } }],
        series: [
          { name: body.target.tag || "target", type: "line", showSymbol: false, data: s.target.map((v, k) => [at(k), v]),
            markLine: onset ? { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#b91c1c" }, label: { formatter: "change began", fontSize: 10 }, data: [{ xAxis: onset }] } : undefined },
          { name: `${s.ref} (carried)`, type: "line", yAxisIndex: 1, showSymbol: false, data: s.carried.map((v, k) => [at(k), v]) },
        ],
      });
      window.addEventListener("resize", () => chart.resize());
    });
  }

  fetch(box.dataset.rootcause, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
    .then(({ ok, body }) => {
      $("busy").hidden = true;
      if (!ok) throw new Error(body.detail || body.error || "the ranking failed");
      $("method").textContent = body.method;
      $("caveats").innerHTML = body.caveats.map((c) => `<li>${esc(c)}</li>`).join("");
      if (!body.candidates.length) {
        $("error").textContent = "No candidates: the line has no data in the window. Widen it in the API (?window=4h) or check the collectors.";
        $("error").hidden = false;
        box.dataset.loaded = "1";
        return;
      }
      charts(body);
      table(body.candidates, false);
      $("all").addEventListener("click", () => table(body.candidates, true));
      box.dataset.loaded = "1";
    })
    .catch((err) => {
      $("busy").hidden = true;
      $("error").textContent = `The ranking could not be computed: ${err.message}. Reload the page to try again.`;
      $("error").hidden = false;
      box.dataset.loaded = "error";
    });
})();
