// The trend viewer: several tags on one time axis, plot-mode reads on every zoom and pan,
// engineering units per axis, limits, annotations, corrections and bad samples marked.
(function () {
  const tags = JSON.parse(document.getElementById("trend-tags-data").textContent);
  const initial = JSON.parse(document.getElementById("trend-window-data").textContent);
  const chartBox = document.getElementById("trend-chart");
  const statusBox = document.getElementById("trend-status");
  const windowBox = document.getElementById("trend-window");
  const notesBox = document.getElementById("trend-notes");
  const colors = ["#0f5e8c", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
  const units = [...new Set(tags.map((t) => t.unit || "value"))];
  const state = { start: null, end: null, plot: null, requests: 0, marks: [], bad: [] };
  window.ledgerlineTrend = state;

  const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, ".000000Z");
  // A person's zoom, pan or click marks its reads as activity (session.js).
  const api = (path) => fetch(path, { headers: window.ledgerlineHeaders() }).then((r) => {
    if (!r.ok) throw new Error(`${r.status} on ${path}`);
    return r.json();
  });
  const enc = encodeURIComponent;

  async function defaultWindow() {
    if (initial.start && initial.end) {
      return [Date.parse(initial.start) / 1000, Date.parse(initial.end) / 1000];
    }
    let latest = 0;
    for (const tag of tags) {
      try {
        const current = await api(`/api/v1/historian/tags/${enc(tag.name)}/current/`);
        latest = Math.max(latest, Date.parse(current.ts) / 1000);
      } catch (e) { /* no samples yet */ }
    }
    const end = Math.ceil((latest || Date.now() / 1000) / 60) * 60;
    return [end - 8 * 3600, end];
  }

  function seriesPoints(values) {
    // Per interval: first, min, max and last in time order, so every excursion is drawn.
    const points = [];
    for (const v of values) {
      const pts = [[v.first_ts, v.first], [v.min_ts, v.min], [v.max_ts, v.max], [v.last_ts, v.last]]
        .map(([ts, y]) => [Date.parse(ts) / 1000, y])
        .sort((a, b) => a[0] - b[0]);
      for (const p of pts) {
        if (!points.length || points[points.length - 1][0] !== p[0]) points.push(p);
      }
    }
    return [points.map((p) => p[0]), points.map((p) => p[1])];
  }

  function drawHooks(u) {
    const ctx = u.ctx;
    const top = u.bbox.top, height = u.bbox.height;
    ctx.save();
    for (const mark of state.marks) {
      const x0 = u.valToPos(Math.max(mark.start, state.start), "x", true);
      const x1 = u.valToPos(Math.min(mark.end, state.end), "x", true);
      ctx.fillStyle = mark.kind === "correction" ? "rgba(234,88,12,0.13)" : "rgba(15,94,140,0.10)";
      ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
    }
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5 * devicePixelRatio;
    tags.forEach((tag, i) => {
      for (const limit of [tag.low, tag.high]) {
        if (limit === null || limit === undefined) continue;
        const y = u.valToPos(limit, tag.unit || "value", true);
        if (y < top || y > top + height) continue;
        ctx.strokeStyle = colors[i % colors.length];
        ctx.globalAlpha = 0.6;
        ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
      }
    });
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#b3261e";
    for (const t of state.bad) {
      const x = u.valToPos(t, "x", true);
      ctx.fillRect(x - 2, top + height - 6 * devicePixelRatio, 4, 6 * devicePixelRatio);
    }
    ctx.restore();
  }

  function render(columns) {
    const data = uPlot.join(columns);
    const width = chartBox.clientWidth || 900;
    const scales = { x: { time: true, range: () => [state.start, state.end] } };
    units.forEach((unit) => { scales[unit] = { auto: true }; });
    const opts = {
      width, height: 420,
      scales,
      series: [{ label: "UTC", value: (u, v) => v == null ? "—" : iso(v).slice(0, 19).replace("T", " ") }]
        .concat(tags.map((tag, i) => ({
          label: `${tag.name}${tag.unit ? " [" + tag.unit + "]" : ""}`,
          scale: tag.unit || "value",
          stroke: colors[i % colors.length],
          width: 1.5,
          spanGaps: true,
          paths: tag.step || tag.type !== "float" ? uPlot.paths.stepped({ align: 1 }) : undefined,
        }))),
      axes: [{
        space: 70,
        values: (u, splits) => splits.map((v) => (state.end - state.start > 86400
          ? iso(v).slice(5, 16).replace("T", " ") : iso(v).slice(11, 16))),
      }]
        .concat(units.slice(0, 2).map((unit, i) => ({ scale: unit, label: unit, side: i === 0 ? 3 : 1, grid: { show: i === 0 } }))),
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        draw: [drawHooks],
        setSelect: [(u) => {
          if (u.select.width < 5) return;
          const from = u.posToVal(u.select.left, "x");
          const to = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ width: 0 }, false);
          zoom(Math.floor(from), Math.ceil(to));
        }],
      },
    };
    if (state.plot) state.plot.destroy();
    state.plot = new uPlot(opts, data, chartBox);
    state.data = data;
  }

  function notes(annotations, corrections) {
    const rows = annotations.map((a) => ({ ...a, kind: "annotation", what: a.text }))
      .concat(corrections.map((c) => ({ ...c, kind: "correction", what: c.reason })));
    notesBox.innerHTML = "";
    if (!rows.length) {
      notesBox.innerHTML = '<tr><td colspan="6" class="muted">None in this window.</td></tr>';
      return;
    }
    for (const r of rows) {
      const tr = document.createElement("tr");
      for (const text of [r.tag, r.kind, r.start.slice(0, 19), r.end.slice(0, 19), r.what, r.author]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      }
      notesBox.appendChild(tr);
    }
  }

  async function load() {
    state.requests += 1;
    statusBox.innerHTML = '<span class="spinner" aria-hidden="true"></span> loading…';
    windowBox.textContent = `${iso(state.start).slice(0, 19)} → ${iso(state.end).slice(0, 19)} UTC`;
    const points = Math.max(100, Math.min(2000, Math.floor((chartBox.clientWidth || 900) / 2)));
    try {
      const columns = [], annotations = [], corrections = [];
      state.marks = [];
      state.bad = [];
      let total = 0, bad = 0;
      for (const tag of tags) {
        const q = `start=${enc(iso(state.start))}&end=${enc(iso(state.end))}`;
        const body = await api(`/api/v1/historian/tags/${enc(tag.name)}/values/?mode=plot&points=${points}&${q}`);
        columns.push(seriesPoints(body.values));
        for (const v of body.values) {
          total += v.count;
          bad += v.bad_count;
          if (v.bad_count) state.bad.push(Date.parse(v.ts) / 1000);
        }
        for (const [kind, list] of [["annotation", annotations], ["correction", corrections]]) {
          const found = await api(`/api/v1/historian/tags/${enc(tag.name)}/${kind}s/`);
          for (const item of found.results) {
            const s = Date.parse(item.start) / 1000, e = Date.parse(item.end) / 1000;
            if (e > state.start && s < state.end) {
              list.push({ ...item, tag: tag.name });
              state.marks.push({ kind, start: s, end: e });
            }
          }
        }
      }
      render(columns);
      notes(annotations, corrections);
      statusBox.textContent = `${total.toLocaleString()} samples` + (bad ? `, ${bad} bad (left out, marked in red)` : "");
      statusBox.dataset.loaded = String(state.requests);
    } catch (error) {
      statusBox.textContent = `Could not load the trend: ${error.message}. Check the tags and the time window, then try again.`;
    }
  }

  function zoom(start, end) {
    if (!Number.isFinite(start) || !Number.isFinite(end) || end - start < 10) return;
    state.start = start;
    state.end = end;
    load();
  }
  state.zoom = zoom;

  document.querySelectorAll("[data-range]").forEach((button) => button.addEventListener("click", () => {
    if (state.end === null) return;  // the first window is still being chosen
    const span = Number(button.dataset.range);
    zoom(state.end - span, state.end);
  }));
  document.querySelectorAll("[data-pan]").forEach((button) => button.addEventListener("click", () => {
    if (state.end === null) return;
    const span = state.end - state.start;
    const shift = Number(button.dataset.pan) * span / 2;
    zoom(state.start + shift, state.end + shift);
  }));
  window.addEventListener("resize", () => state.plot && state.plot.setSize({ width: chartBox.clientWidth, height: 420 }));

  defaultWindow().then(([start, end]) => zoom(start, end));
})();
