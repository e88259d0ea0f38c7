// Genealogy and RTD charts (ECharts, served locally): the graph lots → batch windows with
// fractions (Sankey), each lot's fraction at the outlet over time (one chart per feeder), and
// an RTD fit's measured and fitted response beside the test's input.
(function () {
  const colors = ["#0f5e8c", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207",
    "#be185d", "#4d7c0f", "#1d4ed8", "#9f1239", "#475569"];
  const data = (id) => JSON.parse(document.getElementById(id).textContent);
  const pct = (v) => `${(100 * v).toFixed(v < 0.01 ? 3 : 1)} %`;
  const charts = [];
  const draw = (box, option) => {
    const chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({ color: colors, animation: false, textStyle: { fontFamily: "inherit" }, ...option });
    charts.push(chart);
    box.dataset.drawn = "true";
    return chart;
  };
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

  document.querySelectorAll("[data-sankey]").forEach((box) => {
    const { links } = data(box.dataset.sankey);
    const names = [...new Set(links.flatMap((l) => [l.source, l.target]))];
    const targets = new Set(links.map((l) => l.target));
    box.style.height = `${Math.max(260, 34 * Math.max(names.length - targets.size, targets.size))}px`;
    draw(box, {
      tooltip: {
        trigger: "item",
        formatter: (p) => (p.dataType === "edge"
          ? `${p.data.source} → ${p.data.target}<br>${p.data.feeder}: ${pct(p.data.value)}`
          : p.name),
      },
      series: [{
        type: "sankey", left: 8, right: 160, top: 8, bottom: 8, nodeGap: 10, draggable: false,
        emphasis: { focus: "adjacency" },
        data: names.map((name) => ({ name, itemStyle: targets.has(name) ? { color: "#0e2233" } : undefined })),
        links: links.map((l) => ({ ...l, value: Math.max(l.value, 1e-4) })),
        lineStyle: { color: "gradient", opacity: 0.35 },
        label: { fontSize: 12, formatter: (p) => p.name },
      }],
    });
  });

  document.querySelectorAll("[data-fractions]").forEach((box) => {
    const { series, bands } = data(box.dataset.fractions);
    const last = series.t[series.t.length - 1];
    // The batch windows, shaded behind the fractions and named at the top.
    const markArea = {
      silent: true,
      itemStyle: { color: "rgba(14, 34, 51, 0.05)", borderColor: "rgba(14, 34, 51, 0.35)", borderWidth: 1, borderType: "dashed" },
      label: { position: "insideTop", fontSize: 10, color: "#475569" },
      data: (bands || []).map((b) => [{ name: b.name, xAxis: b.start }, { xAxis: b.end || last }]),
    };
    Object.entries(series.feeders).forEach(([feeder, lots]) => {
      const panel = document.createElement("div");
      panel.className = "fraction-chart";
      panel.setAttribute("aria-label", `Lot fractions of ${feeder} over time`);
      box.appendChild(panel);
      draw(panel, {
        title: { text: feeder, left: 8, top: 0, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis", valueFormatter: (v) => pct(v) },
        legend: { top: 0, right: 8, type: "scroll", width: "70%" },
        grid: { left: 56, right: 24, top: 40, bottom: 28 },
        xAxis: { type: "time" },
        yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)} %` } },
        series: lots.map((lot, i) => ({
          name: lot.lot, type: "line", showSymbol: false, areaStyle: { opacity: 0.08 },
          data: series.t.map((t, k) => [t, lot.values[k]]),
          markArea: i === 0 ? markArea : undefined,
        })),
      });
    });
  });

  document.querySelectorAll("[data-fit]").forEach((box) => {
    const curves = data(box.dataset.fit);
    const pairs = (values) => curves.t_s.map((t, i) => [t, values[i]]);
    draw(box, {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 64, right: 64, top: 36, bottom: 40 },
      xAxis: { type: "value", name: "seconds from the test's start", nameLocation: "middle", nameGap: 26 },
      yAxis: [
        { type: "value", name: box.dataset.output, scale: true },
        { type: "value", name: box.dataset.input, scale: true, splitLine: { show: false } },
      ],
      series: [
        { name: "measured", type: "scatter", symbolSize: 3, data: pairs(curves.measured), itemStyle: { color: "#94a3b8" } },
        { name: "fitted", type: "line", showSymbol: false, data: pairs(curves.fitted), lineStyle: { width: 2.5 }, itemStyle: { color: "#c2410c" } },
        { name: "input", type: "line", yAxisIndex: 1, showSymbol: false, step: "end", data: pairs(curves.input), lineStyle: { width: 1.5 }, itemStyle: { color: "#0f5e8c" } },
      ],
    });
  });

  // A fit can take seconds: say so while the page is on its way.
  document.querySelectorAll("form[data-busy]").forEach((form) => {
    form.addEventListener("submit", () => {
      const note = form.querySelector("[data-busy-note]");
      if (note) note.hidden = false;
    });
  });
})();
