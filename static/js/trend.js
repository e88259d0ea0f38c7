// The trend viewer: several tags on one time axis, plot-mode reads on every zoom and pan,
// engineering units per axis, limits, annotations, corrections and bad samples marked.
(function () {
  const allTags = JSON.parse(document.getElementById("trend-tags-data").textContent);
  // Text (state) tags are drawn as lanes of bands below the chart, the others as lines.
  const tags = allTags.filter((t) => t.type !== "string");
  const textTags = allTags.filter((t) => t.type === "string");
  const lanesBox = document.getElementById("trend-lanes");
  const tableBox = document.getElementById("trend-table");
  const initial = JSON.parse(document.getElementById("trend-window-data").textContent);
  const chartBox = document.getElementById("trend-chart");
  const statusBox = document.getElementById("trend-status");
  const windowBox = document.getElementById("trend-window");
  const notesBox = document.getElementById("trend-notes");
  const colors = ["#0f5e8c", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207",
    "#be185d", "#4d7c0f", "#1d4ed8", "#9f1239", "#475569"];
  const units = [...new Set(tags.map((t) => t.unit || "value"))];
  const state = { start: null, end: null, plot: null, requests: 0, marks: [], bad: [], uncertain: [],
    lanes: [], cursors: [], intervals: [], columns: [], layout: initial.layout || "axes" };
  const cursorBox = document.getElementById("trend-cursors");
  window.ledgerlineTrend = state;

  const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, ".000000Z");
  // A person's zoom, pan or click marks its reads as activity (session.js).
  const api = (path) => fetch(path, { headers: window.ledgerlineHeaders() }).then((r) => {
    if (!r.ok) throw new Error(`${r.status} on ${path}`);
    return r.json();
  });
  const enc = encodeURIComponent;
  // Every item of a paginated list ({results, next}), page after page.
  async function every(path) {
    const items = [];
    for (let next = path; next;) {
      const body = await api(next);
      items.push(...body.results);
      next = body.next;
    }
    return items;
  }

  function seriesPoints(values) {
    // Per interval: first, min, max and last in time order, so every excursion is drawn.
    const points = [];
    for (const v of values) {
      if (!v.count) continue;  // only bad samples: marked, not drawn
      const pts = [[v.first_ts, v.first], [v.min_ts, v.min], [v.max_ts, v.max], [v.last_ts, v.last]]
        .map(([ts, y]) => [Date.parse(ts) / 1000, y])
        .sort((a, b) => a[0] - b[0]);
      for (const p of pts) {
        if (!points.length || points[points.length - 1][0] !== p[0]) points.push(p);
      }
    }
    return [points.map((p) => p[0]), points.map((p) => p[1])];
  }

  // Spans the page that opened the trend asked to shade (`shade=start/end,…`, UTC): a batch's
  // CPP excursions. Spans that do not parse are left out.
  const shaded = (new URL(window.location.href).searchParams.get("shade") || "").split(",")
    .map((span) => span.split("/").map((t) => Date.parse(t) / 1000))
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b > a)
    .map(([start, end]) => ({ start, end }));
  state.shaded = shaded;

  function drawHooks(u) {
    const ctx = u.ctx;
    const top = u.bbox.top, height = u.bbox.height;
    ctx.save();
    for (const span of shaded) {
      if (span.end < state.start || span.start > state.end) continue;
      const x0 = u.valToPos(Math.max(span.start, state.start), "x", true);
      const x1 = u.valToPos(Math.min(span.end, state.end), "x", true);
      ctx.fillStyle = "rgba(185,28,28,0.16)";
      ctx.fillRect(x0, top, Math.max(3 * devicePixelRatio, x1 - x0), height);
      ctx.fillStyle = "#b91c1c";
      ctx.fillRect(x0, top, Math.max(3 * devicePixelRatio, x1 - x0), 3 * devicePixelRatio);
    }
    for (const mark of state.marks) {
      const x0 = u.valToPos(Math.max(mark.start, state.start), "x", true);
      const x1 = u.valToPos(Math.min(mark.end, state.end), "x", true);
      ctx.fillStyle = mark.kind === "correction" ? "rgba(234,88,12,0.13)" : "rgba(15,94,140,0.10)";
      ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
    }
    tags.forEach((tag, i) => drawLimits(u, tag, colors[i % colors.length], i));
    if (stacked()) drawStack(u);
    // The two cursors, A and B.
    ctx.strokeStyle = "#111827";
    ctx.lineWidth = 1 * devicePixelRatio;
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    state.cursors.forEach((t, i) => {
      const x = u.valToPos(t, "x", true);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
      ctx.fillStyle = "#111827";
      ctx.fillText("AB"[i], x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
    });
    // Bad samples (left out) as red ticks on the bottom edge, uncertain ones (drawn) as amber
    // ticks on the top edge.
    ctx.fillStyle = "#b3261e";
    for (const t of state.bad) {
      const x = u.valToPos(t, "x", true);
      ctx.fillRect(x - 2, top + height - 6 * devicePixelRatio, 4, 6 * devicePixelRatio);
    }
    ctx.fillStyle = "#d97706";
    for (const t of state.uncertain) {
      const x = u.valToPos(t, "x", true);
      ctx.fillRect(x - 2, top, 4, 6 * devicePixelRatio);
    }
    ctx.restore();
  }

  // Layout: an axis per unit (all lines over the whole height), or stacked lanes (a lane and
  // a scale of its own per tag, top to bottom in the order asked).
  const stacked = () => state.layout === "lanes" && tags.length > 0;
  const scaleOf = (tag, i) => (stacked() ? `lane${i}` : tag.unit || "value");
  const chartHeight = () => (stacked() ? Math.max(420, tags.length * 110) : 420);
  // The canvas rows (device pixels) of lane i; the whole plot in the axes layout.
  function laneBounds(u, i) {
    const top = u.bbox.top, height = u.bbox.height;
    if (!stacked()) return [top, top + height];
    const each = height / tags.length;
    return [top + i * each, top + (i + 1) * each];
  }
  // Lane i's scale: its data (padded) fills the i-th band from the top of the full height.
  const laneRange = (i) => (u, min, max) => {
    const [lo, hi] = lanePadded(min, max);
    const span = hi - lo, n = tags.length;
    return [hi + i * span - n * span, hi + i * span];
  };
  function lanePadded(min, max) {
    if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
    const span = max - min || Math.abs(max) * 0.1 || 1;
    return [min - span * 0.12, max + span * 0.12];
  }
  // Each lane's frame, name and scale (three values), drawn in the gutter left of the plot.
  function drawStack(u) {
    const ctx = u.ctx, left = u.bbox.left, width = u.bbox.width;
    ctx.save();
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    tags.forEach((tag, i) => {
      const [top, bottom] = laneBounds(u, i), scale = u.scales[scaleOf(tag, i)];
      const span = (scale.max - scale.min) / tags.length, hi = scale.max - i * span;
      ctx.strokeStyle = "#cbd5e1";
      ctx.lineWidth = 1 * devicePixelRatio;
      if (i > 0) { ctx.beginPath(); ctx.moveTo(left, top); ctx.lineTo(left + width, top); ctx.stroke(); }
      ctx.fillStyle = colors[i % colors.length];
      ctx.textAlign = "left";
      ctx.fillText(`${tag.name}${tag.unit ? " [" + tag.unit + "]" : ""}`, left + 4 * devicePixelRatio, top + 13 * devicePixelRatio);
      ctx.textAlign = "right";
      ctx.fillStyle = "#475569";
      for (const [v, text] of niceTicks(hi - span, hi)) {
        const y = u.valToPos(v, scaleOf(tag, i), true);
        if (y < top + 16 * devicePixelRatio || y > bottom - 4 * devicePixelRatio) continue;
        ctx.fillText(text, left - 6 * devicePixelRatio, y + 4 * devicePixelRatio);
        ctx.strokeStyle = "#eef2f6";
        ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
      }
    });
    ctx.restore();
  }
  // Round values (1, 2 or 5 × a power of ten apart), two to four per lane, and their labels.
  function niceTicks(lo, hi) {
    const raw = (hi - lo) / 4, power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * power).find((v) => v >= raw) || raw;
    const decimals = Math.max(0, -Math.floor(Math.log10(step)));
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push([v, v.toFixed(decimals)]);
    return ticks;
  }
  function setLayout(layout) {
    state.layout = layout === "lanes" ? "lanes" : "axes";
    const url = new URL(window.location.href);
    if (state.layout === "lanes") url.searchParams.set("layout", "lanes");
    else url.searchParams.delete("layout");
    window.history.replaceState(null, "", url);
    document.querySelectorAll("input[name=layout]").forEach((input) => { input.value = state.layout; });
    document.querySelectorAll("[data-layout]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.layout === state.layout)));
    if (state.data) render(state.columns);
  }
  document.querySelectorAll("[data-layout]").forEach((b) => b.addEventListener("click", () => setLayout(b.dataset.layout)));

  // What the value readout says of quality at time t: the plot intervals within a few pixels
  // of t count their uncertain samples (drawn) and bad ones (left out, drawn as red ticks).
  function qualityNote(i, t) {
    const list = state.intervals[i] || [];
    const width = state.plot ? state.plot.bbox.width / devicePixelRatio : 900;
    const near = 4 * (state.end - state.start) / width;
    let lo = 0, hi = list.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid].end <= t - near) lo = mid + 1; else hi = mid; }
    let bad = 0, uncertain = 0;
    for (let k = lo; k < list.length && list[k].start <= t + near; k++) {
      bad += list[k].bad;
      uncertain += list[k].uncertain;
    }
    const said = [];
    if (uncertain) said.push(`${uncertain} uncertain`);
    if (bad) said.push(`${bad} bad, left out`);
    return said.length ? ` (${said.join(", ")})` : "";
  }

  // Process limits as labelled bands: outside the specification shaded red, between the
  // alert and the specification limits amber; the instrument range as thin dashed lines.
  const LIMITS = [
    ["spec_high", "spec high", "rgba(185,28,28,0.10)", "#b91c1c", 1],
    ["alert_high", "alert high", "rgba(217,119,6,0.12)", "#b45309", 1],
    ["alert_low", "alert low", "rgba(217,119,6,0.12)", "#b45309", -1],
    ["spec_low", "spec low", "rgba(185,28,28,0.10)", "#b91c1c", -1],
  ];
  function drawLimits(u, tag, color, i) {
    const ctx = u.ctx, scale = scaleOf(tag, i);
    const left = u.bbox.left, width = u.bbox.width;
    const [top, bottom] = laneBounds(u, i);
    const clamp = (y) => Math.max(top, Math.min(bottom, y));
    const pos = (v) => u.valToPos(v, scale, true);
    for (const [key, , fill, , side] of LIMITS) {
      const value = tag[key];
      if (value === null || value === undefined) continue;
      // The band reaches from this limit to the next one outward (or the plot's edge).
      const outward = side > 0 ? (key === "alert_high" ? tag.spec_high : null)
        : (key === "alert_low" ? tag.spec_low : null);
      const edge = outward === null || outward === undefined ? (side > 0 ? top : bottom) : pos(outward);
      const y0 = clamp(pos(value)), y1 = clamp(edge);
      ctx.fillStyle = fill;
      ctx.fillRect(left, Math.min(y0, y1), width, Math.abs(y1 - y0));
    }
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = "right";
    for (const [key, label, , stroke] of LIMITS) {
      const value = tag[key];
      if (value === null || value === undefined) continue;
      const y = pos(value);
      if (y < top || y > bottom) continue;
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1.2 * devicePixelRatio;
      ctx.setLineDash(key.startsWith("alert") ? [5, 4] : []);
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
      ctx.fillStyle = stroke;
      ctx.fillText(`${tag.name} ${label} ${value}`, left + width - 4, y - 3 * devicePixelRatio);
    }
    ctx.setLineDash([3, 5]);
    ctx.lineWidth = 1 * devicePixelRatio;
    ctx.strokeStyle = color;
    ctx.globalAlpha = 0.5;
    for (const value of [tag.low, tag.high]) {
      if (value === null || value === undefined) continue;
      const y = pos(value);
      if (y < top || y > bottom) continue;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  // Time labels as fine as the window needs: seconds under 10 minutes, dates over a day.
  function timeLabel(v) {
    const span = state.end - state.start, text = local(v);  // "YYYY-MM-DD HH:MM:SS", site zone
    if (span > 86400) return text.slice(5, 16);
    if (span <= 600) return text.slice(11, 19);
    return text.slice(11, 16);
  }

  function render(columns) {
    // Only text tags: the time axis alone, for their lanes.
    const data = columns.length ? uPlot.join(columns) : [[state.start, state.end]];
    const width = chartBox.clientWidth || 900;
    const scales = { x: { time: true, range: () => [state.start, state.end] } };
    if (stacked()) tags.forEach((tag, i) => { scales[scaleOf(tag, i)] = { range: laneRange(i) }; });
    else units.forEach((unit) => { scales[unit] = { auto: true }; });
    const opts = {
      width, height: chartHeight(),
      scales,
      series: [{ label: zone, value: (u, v) => v == null ? "—" : local(v) + (utcZone ? "" : ` (${iso(v).slice(11, 19)} UTC)`) }]
        .concat(tags.map((tag, i) => ({
          label: `${tag.name}${tag.unit ? " [" + tag.unit + "]" : ""}`,
          scale: scaleOf(tag, i),
          value: (u, v, s, idx) => v == null ? "—" : `${round(v)}${qualityNote(i, u.data[0][idx])}`,
          stroke: colors[i % colors.length],
          width: 1.5,
          spanGaps: true,
          paths: tag.step || tag.type !== "float" ? uPlot.paths.stepped({ align: 1 }) : undefined,
        }))),
      axes: [{ space: 80, values: (u, splits) => splits.map(timeLabel) }]
        // Stacked lanes: each lane draws its own scale (drawStack); the axis keeps the gutter.
        .concat(stacked() ? [{ scale: scaleOf(tags[0], 0), size: 70, values: (u, splits) => splits.map(() => ""), grid: { show: false }, ticks: { show: false } }] : [])
        // An axis for every unit, alternating left and right.
        .concat(stacked() ? [] : units.map((unit, i) => Object.assign(
          { scale: unit, label: unit, side: i % 2 === 0 ? 3 : 1, grid: { show: i === 0 } },
          // Several units: each axis in the colour of its first tag.
          units.length > 1
            ? { stroke: colors[tags.findIndex((t) => (t.unit || "value") === unit) % colors.length] }
            : {},
        ))),
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        draw: [drawHooks, drawLanes],
        setSelect: [(u) => {
          if (u.select.width < 5) return;
          const from = u.posToVal(u.select.left, "x");
          const to = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ width: 0 }, false);
          // Shift held while dragging: annotate the range instead of zooming into it.
          if (state.shiftDrag && annotateDialog) annotate(Math.floor(from), Math.ceil(to));
          else zoom(Math.floor(from), Math.ceil(to));
        }],
      },
    };
    if (state.plot) state.plot.destroy();
    state.plot = new uPlot(opts, data, chartBox);
    state.data = data;
    state.columns = columns;
    chartBox.dataset.layout = stacked() ? "lanes" : "axes";
    // A click (no drag) places cursor A, then B; a third click starts again.
    state.plot.over.addEventListener("click", (event) => {
      if (!state.data || state.data[0].length < 1) return;
      const t = state.plot.posToVal(event.offsetX, "x");
      state.cursors = state.cursors.length >= 2 ? [t] : state.cursors.concat([t]);
      state.plot.redraw(false);
      showCursors();
    });
    showCursors();
  }

  // A colour per text value, the same on every load.
  function valueColor(text) {
    let h = 0;
    for (const c of String(text)) h = (h * 31 + c.charCodeAt(0)) % 360;
    return `hsl(${h}, 55%, 78%)`;
  }

  // The text tags' lanes, aligned with the chart's time axis (redrawn with it).
  function drawLanes(u) {
    lanesBox.innerHTML = "";
    const left = u.bbox.left / devicePixelRatio, width = u.bbox.width / devicePixelRatio;
    for (const lane of state.lanes) {
      const row = document.createElement("div");
      row.className = "lane";
      row.dataset.tag = lane.tag.name;
      const label = document.createElement("div");
      label.className = "lane-label mono";
      label.textContent = lane.tag.name;
      label.style.width = `${left}px`;
      row.appendChild(label);
      for (const s of lane.segments) {
        const x0 = Math.max(0, u.valToPos(Math.max(s.start, state.start), "x"));
        const x1 = Math.min(width, u.valToPos(Math.min(s.end, state.end), "x"));
        if (x1 <= x0) continue;
        const band = document.createElement("div");
        band.className = `lane-band quality-${s.quality}`;
        band.style.left = `${left + x0}px`;
        band.style.width = `${x1 - x0}px`;
        band.style.background = s.value === null ? "#e5e7eb" : valueColor(s.value);
        band.title = `${lane.tag.name}: ${s.value ?? "∅"} (${s.quality}) from ${iso(s.start).slice(0, 19)} UTC`;
        band.textContent = x1 - x0 > 40 ? String(s.value ?? "∅") : "";
        row.appendChild(band);
      }
      if (lane.truncated) {
        const more = document.createElement("span");
        more.className = "lane-more muted";
        more.textContent = "more changes than shown: zoom in";
        row.appendChild(more);
      }
      lanesBox.appendChild(row);
    }
  }

  // Series `i` at time t: the drawn point nearest t, as its value and the readout's text
  // (the value with the quality of the interval it was drawn from).
  function pointAt(i, t) {
    const xs = state.data[0], ys = state.data[i];
    let best = null, at = t, gap = Infinity;
    let lo = 0, hi = xs.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (xs[mid] < t) lo = mid + 1; else hi = mid; }
    for (let k = Math.max(0, lo - 3); k <= Math.min(xs.length - 1, lo + 3); k++) {
      if (ys[k] != null && Math.abs(xs[k] - t) < gap) { gap = Math.abs(xs[k] - t); best = ys[k]; at = xs[k]; }
    }
    // Bad samples left out near the cursor are named too, though no point is drawn for them.
    return { value: best, text: round(best) + qualityNote(i - 1, t) };
  }
  const round = (v) => (v === null ? "—" : Number(v.toPrecision(6)).toString());
  function showCursors() {
    if (!cursorBox) return;
    const cursors = state.cursors.filter((t) => t >= state.start && t <= state.end);
    if (!cursors.length || !state.data) {
      cursorBox.innerHTML = '<p class="muted">Click the chart to place cursor A, click again for B: their values and the differences show here.</p>';
      return;
    }
    const head = ["Tag", "A " + local(cursors[0])].concat(cursors[1] !== undefined
      ? ["B " + local(cursors[1]), `B − A (${Math.round(cursors[1] - cursors[0])} s)`] : []);
    const rows = tags.map((tag, i) => {
      const a = pointAt(i + 1, cursors[0]);
      const b = cursors[1] !== undefined ? pointAt(i + 1, cursors[1]) : undefined;
      const cells = [tag.name + (tag.unit ? ` [${tag.unit}]` : ""), a.text];
      if (b !== undefined) {
        cells.push(b.text, a.value === null || b.value === null ? "—" : round(b.value - a.value));
      }
      return cells;
    });
    // Text tags: the value in force at each cursor and its quality; "changed" or "same".
    for (const lane of state.lanes) {
      const at = (t) => lane.segments.find((seg) => seg.start <= t && t < seg.end) || null;
      const said = (seg) => (seg ? `${seg.value ?? "∅"}${seg.quality === "good" ? "" : ` (${seg.quality})`}` : "—");
      const a = at(cursors[0]);
      const cells = [lane.tag.name, said(a)];
      if (cursors[1] !== undefined) {
        const b = at(cursors[1]);
        cells.push(said(b), !a || !b ? "—" : (a.value === b.value ? "same" : "changed"));
      }
      rows.push(cells);
    }
    const table = document.createElement("table");
    table.className = "table table-compact";
    table.dataset.testid = "cursor-readout";
    const tr = document.createElement("tr");
    for (const h of head) { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); }
    table.appendChild(tr);
    for (const cells of rows) {
      const row = document.createElement("tr");
      for (const c of cells) { const td = document.createElement("td"); td.textContent = c; row.appendChild(td); }
      table.appendChild(row);
    }
    cursorBox.innerHTML = "";
    cursorBox.appendChild(table);
  }

  // The text alternative: per tag, what the window holds.
  function valuesTable(summaries) {
    tableBox.innerHTML = "";
    for (const s of summaries) {
      const tr = document.createElement("tr");
      for (const text of [s.name, s.unit, s.min, s.max, s.last, s.count]) {
        const td = document.createElement("td");
        td.textContent = text === null || text === undefined ? "—" : String(text);
        tr.appendChild(td);
      }
      tableBox.appendChild(tr);
    }
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

  // The window in the site's zone with UTC beside (as every page shows times), and the
  // picker's fields filled with it.
  const zone = initial.zone || "UTC";
  const parts = (seconds) => Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short",
  }).formatToParts(new Date(seconds * 1000)).map((p) => [p.type, p.value]));
  const local = (seconds) => {
    const p = parts(seconds);
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  };
  const utcZone = zone === "UTC" || zone === "Etc/UTC";
  function windowText(start, end) {
    const utc = `${iso(start).slice(0, 19).replace("T", " ")} → ${iso(end).slice(0, 19).replace("T", " ")} UTC`;
    if (utcZone) return utc;
    return `${local(start)} → ${local(end)} ${parts(end).timeZoneName} (${utc})`;
  }
  function fillPicker() {
    const form = document.querySelector("[data-testid=trend-picker]");
    if (!form) return;
    form.elements.from.value = local(state.start).replace(" ", "T");
    form.elements.to.value = local(state.end).replace(" ", "T");
  }

  async function load() {
    state.requests += 1;
    statusBox.innerHTML = '<span class="spinner" aria-hidden="true"></span> loading…';
    windowBox.textContent = windowText(state.start, state.end);
    fillPicker();
    const points = Math.max(100, Math.min(2000, Math.floor((chartBox.clientWidth || 900) / 2)));
    state.points = points;
    try {
      const columns = [], annotations = [], corrections = [], summaries = [], textSummaries = [];
      state.marks = [];
      state.bad = [];
      state.uncertain = [];
      state.lanes = [];
      state.intervals = [];
      let total = 0, bad = 0, uncertain = 0;
      const q = `start=${enc(iso(state.start))}&end=${enc(iso(state.end))}`;
      const mine = state.requests;
      // Every tag's values at once; the chart is drawn from them, then the annotations and
      // corrections in the window are read and marked.
      const values = (tag) => tag.type === "string"
        ? `/api/v1/historian/tags/${enc(tag.name)}/values/?mode=raw&limit=20000&${q}`
        : `/api/v1/historian/tags/${enc(tag.name)}/values/?mode=plot&points=${points}&${q}`;
      const reads = await Promise.all(allTags.map((tag) => api(values(tag))));
      if (mine !== state.requests) return;  // a newer window was asked for meanwhile
      if (mine === 1) performance.mark("trend-data");  // first paint's parts (bench/trend.py)
      const byName = new Map(allTags.map((tag, i) => [tag.name, reads[i]]));
      for (const tag of textTags) {
        const body = byName.get(tag.name);
        // One band per run of the same value and quality, until the next change.
        const segments = [];
        const cut = body.truncated ? Date.parse(body.next_start) / 1000 : state.end;
        for (const v of body.values) {
          const at = Date.parse(v.ts) / 1000, last = segments[segments.length - 1];
          if (last && last.value === v.value && last.quality === v.quality) continue;
          if (last) last.end = at;
          segments.push({ start: at, end: cut, value: v.value, quality: v.quality });
        }
        state.lanes.push({ tag, segments, truncated: Boolean(body.truncated) });
        total += segments.length;
        const last = segments.length ? segments[segments.length - 1].value : null;
        textSummaries.push({ name: tag.name, unit: "text", last, count: `${segments.length} value(s)` });
      }
      for (const tag of tags) {
        const body = byName.get(tag.name);
        columns.push(seriesPoints(body.values));
        const step = body.interval_seconds, origin = Date.parse(body.interval_origin) / 1000;
        state.intervals.push(body.values.map((v) => {
          // The first interval is cut short where the window starts off the grid's origin.
          const start = Date.parse(v.ts) / 1000;
          const end = origin + (Math.floor((start - origin) / step) + 1) * step;
          return { start, end, bad: v.bad_count, uncertain: v.uncertain_count };
        }));
        let count = 0, min = null, max = null;
        for (const v of body.values) {
          total += v.count;
          count += v.count;
          bad += v.bad_count;
          if (v.bad_count) state.bad.push(Date.parse(v.ts) / 1000);
          if (v.uncertain_count) state.uncertain.push(Date.parse(v.ts) / 1000);
          uncertain += v.uncertain_count;
          if (!v.count) continue;
          min = min === null ? v.min : Math.min(min, v.min);
          max = max === null ? v.max : Math.max(max, v.max);
        }
        const drawn = body.values.filter((v) => v.count);
        const lastValue = drawn.length ? drawn[drawn.length - 1].last : null;
        summaries.push({ name: tag.name, unit: tag.unit, min, max, last: lastValue, count });
      }
      render(columns);
      valuesTable(summaries.concat(textSummaries));
      if (mine === 1) requestAnimationFrame(() => performance.mark("trend-painted"));
      const said = `${total.toLocaleString()} samples`
        + (bad ? `, ${bad} bad (left out, marked in red)` : "")
        + (uncertain ? `, ${uncertain} uncertain (drawn, marked in amber above)` : "");
      statusBox.innerHTML = '<span class="spinner" aria-hidden="true"></span> ';
      statusBox.append(`${said}; reading annotations and corrections…`);
      const found = await Promise.all(allTags.map((tag) => Promise.all([
        every(`/api/v1/historian/tags/${enc(tag.name)}/annotations/?${q}`),
        every(`/api/v1/historian/tags/${enc(tag.name)}/corrections/?${q}`),
      ])));
      if (mine !== state.requests) return;
      allTags.forEach((tag, i) => {
        const [foundAnnotations, foundCorrections] = found[i];
        for (const [kind, list, items] of [["annotation", annotations, foundAnnotations], ["correction", corrections, foundCorrections]]) {
          for (const item of items) {
            list.push({ ...item, tag: tag.name });
            state.marks.push({ kind, start: Date.parse(item.start) / 1000, end: Date.parse(item.end) / 1000 });
          }
        }
      });
      if (state.marks.length) state.plot.redraw(false);
      notes(annotations, corrections);
      statusBox.textContent = said;
      statusBox.dataset.loaded = String(state.requests);
    } catch (error) {
      statusBox.textContent = `Could not load the trend: ${error.message}. Check the tags and the time window, then try again.`;
    }
  }

  function zoom(start, end, initialWindow) {
    if (!Number.isFinite(start) || !Number.isFinite(end) || end - start < 10) return;
    state.start = start;
    state.end = end;
    // The window goes into the address: a reload, a bookmark or a shared link shows it again.
    // A relative pick ("last 8 hours") stays relative until the person moves the window.
    const url = new URL(window.location.href);
    if (!initialWindow) for (const key of ["last", "from", "to"]) url.searchParams.delete(key);
    url.searchParams.set("start", iso(start).replace(".000000Z", "Z"));
    url.searchParams.set("end", iso(end).replace(".000000Z", "Z"));
    window.history.replaceState(null, "", url);
    load();
  }
  state.zoom = zoom;

  document.querySelectorAll("[data-range]").forEach((button) => button.addEventListener("click", () => {
    if (state.end === null) return;  // the first window is still being chosen
    const span = Number(button.dataset.range);
    zoom(state.end - span, state.end);
  }));
  // Annotating a range dragged with Shift held (roles that may annotate, API.md).
  const annotateDialog = document.getElementById("annotate-dialog");
  chartBox.addEventListener("pointerdown", (event) => { state.shiftDrag = event.shiftKey; }, true);
  function annotate(start, end) {
    const form = annotateDialog.querySelector("form");
    form.elements.start.value = iso(start);
    form.elements.end.value = iso(end);
    annotateDialog.querySelector("[data-range-text]").textContent = windowText(start, end);
    annotateDialog.querySelector("[data-error]").textContent = "";
    annotateDialog.showModal();
  }
  if (annotateDialog) {
    const form = annotateDialog.querySelector("form");
    form.querySelector("[data-cancel]").addEventListener("click", () => annotateDialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const response = await fetch(`/api/v1/historian/tags/${enc(data.get("tag"))}/annotations/`, {
        method: "POST",
        credentials: "same-origin",
        headers: window.ledgerlineHeaders({
          "Content-Type": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken"),
        }),
        body: JSON.stringify({ start: data.get("start"), end: data.get("end"), text: data.get("text") }),
      });
      if (response.ok) { annotateDialog.close(); form.elements.text.value = ""; load(); return; }
      const body = await response.json().catch(() => ({}));
      annotateDialog.querySelector("[data-error]").textContent =
        `Not saved: ${body.detail || response.status}. Correct it and save again.`;
    });
  }

  function pan(direction) {
    if (state.end === null) return;
    const shift = direction * (state.end - state.start) / 2;
    zoom(state.start + shift, state.end + shift);
  }
  function scaleBy(factor) {
    if (state.end === null) return;
    const middle = (state.start + state.end) / 2, half = (state.end - state.start) * factor / 2;
    zoom(Math.floor(middle - half), Math.ceil(middle + half));
  }
  document.querySelectorAll("[data-pan]").forEach((button) => button.addEventListener("click", () => pan(Number(button.dataset.pan))));
  document.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => scaleBy(Number(button.dataset.zoom))));
  // Keyboard: arrows pan by half a window, + and − zoom around the middle.
  chartBox.addEventListener("keydown", (event) => {
    const keys = { ArrowLeft: () => pan(-1), ArrowRight: () => pan(1), "+": () => scaleBy(0.5),
      "=": () => scaleBy(0.5), "-": () => scaleBy(2), "_": () => scaleBy(2) };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  // Export what is shown: each tag's plotted intervals (first, last, min, max with their
  // times) in the window, as the API's CSV; the chart as a PNG.
  document.getElementById("trend-export-csv").addEventListener("click", () => {
    const q = `start=${enc(iso(state.start))}&end=${enc(iso(state.end))}&points=${state.points}`;
    for (const tag of tags) {
      const link = document.createElement("a");
      link.href = `/api/v1/historian/tags/${enc(tag.name)}/values/?mode=plot&format=csv&${q}`;
      link.download = `${tag.name}.csv`;
      document.body.appendChild(link); link.click(); link.remove();
    }
  });
  document.getElementById("trend-export-png").addEventListener("click", () => {
    if (!state.plot) return;
    const link = document.createElement("a");
    link.href = state.plot.ctx.canvas.toDataURL("image/png");
    link.download = `trend-${iso(state.start).slice(0, 19)}.png`;
    document.body.appendChild(link); link.click(); link.remove();
  });
  // Add a tag: the same view with one more tag, through the address.
  document.getElementById("trend-add").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = new FormData(event.target).get("tag").trim();
    if (!name) return;
    const url = new URL(window.location.href);
    const names = (url.searchParams.get("tags") || "").split(",").filter(Boolean);
    if (!names.includes(name)) names.push(name);
    url.searchParams.set("tags", names.join(","));
    window.location.assign(url);
  });
  // Saved displays (the person's own): save this view under a name, delete one; the list is
  // drawn again from the API's answer.
  const saveForm = document.getElementById("display-save");
  const displayList = document.getElementById("display-list");
  const asked = JSON.parse(document.getElementById("trend-last-data").textContent);
  if (saveForm && asked) saveForm.elements.window.value = asked;
  const send = (method, path, body) => fetch(path, {
    method, credentials: "same-origin",
    headers: window.ledgerlineHeaders({
      "Content-Type": "application/json",
      "X-CSRFToken": saveForm.elements.csrfmiddlewaretoken.value,
    }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  function listDisplays(displays) {
    displayList.innerHTML = "";
    document.querySelector("[data-testid=displays-menu] summary").textContent = `Saved displays (${displays.length})`;
    for (const d of displays) {
      const li = document.createElement("li");
      li.dataset.id = d.id;
      const link = document.createElement("a");
      link.href = d.url;
      link.textContent = d.name;
      const said = document.createElement("span");
      said.className = "muted";
      said.textContent = `${d.window} · ${d.tags.length} tag${d.tags.length === 1 ? "" : "s"}${d.layout === "lanes" ? " · lanes" : ""}`;
      const remove = document.createElement("button");
      Object.assign(remove, { className: "btn btn-sm btn-ghost", type: "button", textContent: "Delete" });
      remove.dataset.deleteDisplay = d.id;
      remove.setAttribute("aria-label", `Delete ${d.name}`);
      li.append(link, " ", said, " ", remove);
      displayList.appendChild(li);
    }
    if (!displays.length) displayList.innerHTML = '<li class="muted">None saved yet: name this view below to keep it.</li>';
  }
  const refreshDisplays = () => api("/api/v1/historian/displays/").then((body) => listDisplays(body.results));
  if (saveForm) {
    saveForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const choice = saveForm.elements.window.value;
      const body = { name: saveForm.elements.name.value, tags: allTags.map((t) => t.name), layout: state.layout };
      if (choice === "fixed") Object.assign(body, { start: iso(state.start), end: iso(state.end) });
      else if (choice !== "latest") body.last = choice;
      const response = await send("POST", "/api/v1/historian/displays/", body);
      const answer = await response.json().catch(() => ({}));
      const error = saveForm.querySelector("[data-error]"), saved = saveForm.querySelector("[data-saved]");
      if (!response.ok) {
        const fields = Object.entries(answer.fields || {}).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`);
        error.textContent = `Not saved: ${fields.join("; ") || answer.detail || response.status}. Correct it and save again.`;
        saved.textContent = "";
        return;
      }
      error.textContent = "";
      await refreshDisplays();
      saved.textContent = response.status === 201 ? `Saved as “${answer.name}”.` : `“${answer.name}” replaced.`;
    });
    displayList.addEventListener("click", async (event) => {
      const id = event.target.dataset && event.target.dataset.deleteDisplay;
      if (!id) return;
      const name = event.target.closest("li").querySelector("a").textContent;
      if (!window.confirm(`Delete the saved display “${name}”? The trend itself is not changed.`)) return;
      const response = await send("DELETE", `/api/v1/historian/displays/${id}/`);
      await refreshDisplays();
      saveForm.querySelector("[data-saved]").textContent = response.ok ? `“${name}” deleted.` : `Not deleted (${response.status}): reload the page and try again.`;
    });
  }
  window.addEventListener("resize", () => state.plot && state.plot.setSize({ width: chartBox.clientWidth, height: chartHeight() }));

  // The server chose the window (the URL's, or the latest 8 hours of data).
  document.querySelectorAll("[data-layout]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.layout === state.layout)));
  zoom(Date.parse(initial.start) / 1000, Date.parse(initial.end) / 1000, true);
})();
