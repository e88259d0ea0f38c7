"""The trend/SPC report (`reports/trend.pdf?tags=&start=&end=`): per tag, its chart over the
window (the interval minimum and maximum, the centre line, the ±3σ control limits and the
specification), the Western Electric and Nelson rule violations marked and listed, and Cp, Cpk,
Pp and Ppk with their formulas and subgrouping stated (reports.spc). Good samples only; the
rules and indices run on every stored value, the chart on plot intervals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle, Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from audit.canonical import format_ts
from core.errors import DomainError, NotFound
from historian.models import Tag
from historian.selectors import ReadSpec, read
from reports import spc
from reports.builders.window import window
from reports.pdf import BAD, BRAND, MUTED, Content, pairs, para, table, when

MAX_TAGS = 20
MAX_VALUES = 1_000_000  # per tag (the historian's largest raw read)
LISTED = 60  # violations listed per tag (all are counted)
PRIORITY = ["WE1", "N1", "WE2", "N5", "WE3", "N6", "WE4", "N2", "N3", "N4", "N8", "N7"]


def resolve(params: dict[str, Any], user: Any) -> Any:
    problems: dict[str, str] = {}
    names = [n.strip() for n in str(params.get("tags", "")).split(",") if n.strip()]
    if not names:
        problems["tags"] = "one or more tag names, comma-separated"
    elif len(names) > MAX_TAGS:
        problems["tags"] = f"at most {MAX_TAGS} tags"
    found_window = window(params, problems)
    if problems or found_window is None:
        raise DomainError("The trend report needs tags and a window: see fields.",
                          fields=problems)  # fmt: skip
    tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [n for n in names if n not in tags]
    if missing:
        raise NotFound(f"No tag {', '.join(missing)}.")
    text = [n for n in names if tags[n].value_type not in ("float", "int")]
    if text:
        raise DomainError(f"{', '.join(text)}: SPC needs numeric tags.", fields={"tags": "numeric"})
    return [tags[n] for n in names], *found_window


def _values(tag: Tag, start: datetime, end: datetime) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    series = read(tag, ReadSpec(start=start, end=end, mode="raw", limit=MAX_VALUES))
    points = [p for p in getattr(series, "points", []) if p.quality != "bad"
              and isinstance(p.value, int | float) and np.isfinite(p.value)]  # fmt: skip
    t = np.array([(p.ts - start).total_seconds() for p in points], dtype=float)
    return t, np.array([float(p.value) for p in points], dtype=float)


def chart_of(
    tag: Tag,
    start: datetime,
    end: datetime,
    low: float | None,
    high: float | None,
    shaded: Sequence[tuple[datetime, datetime]] = (),
    *,
    limits: spc.Limits | None = None,
    marks: Sequence[tuple[float, float]] = (),
) -> Drawing:
    """A tag's chart over [start, end): each plot interval's minimum and maximum, the
    specification (`low`, `high`, red), the control limits when given, windows `shaded` (e.g.
    its excursions) and points marked (seconds from start, value)."""
    span = (end - start).total_seconds()
    plot = read(tag, ReadSpec(start=start, end=end, mode="plot", points=400))
    lows, highs = [], []
    for interval in getattr(plot, "intervals", []):
        if getattr(interval, "min", None) is None:
            continue
        x = (interval.ts - start).total_seconds() / 3600
        lows.append((x, float(interval.min)))
        highs.append((x, float(interval.max)))
    drawing = Drawing(178 * mm, 62 * mm)
    chart = LinePlot()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 8 * mm, 160 * mm, 48 * mm
    hours = span / 3600
    lines: list[list[tuple[float, float]]] = [lows or [(0, 0)], highs or [(0, 0)]]
    styles: list[tuple[Any, float, tuple[int, int] | None]] = [(BRAND, 0.5, None),
                                                               (BRAND, 0.5, None)]  # fmt: skip
    if limits is not None:
        for level, colour, dash in ((limits.centre, colors.HexColor("#15803d"), None),
                                    (limits.zone(3)[0], MUTED, (3, 2)),
                                    (limits.zone(3)[1], MUTED, (3, 2))):  # fmt: skip
            lines.append([(0, level), (hours, level)])
            styles.append((colour, 0.6, dash))
    for spec in (low, high):
        if spec is not None:
            lines.append([(0, spec), (hours, spec)])
            styles.append((BAD, 0.8, None))
    chart.data = lines
    for i, (colour, width, dash) in enumerate(styles):
        chart.lines[i].strokeColor = colour
        chart.lines[i].strokeWidth = width
        if dash:
            chart.lines[i].strokeDashArray = dash
    chart.xValueAxis.valueMin, chart.xValueAxis.valueMax = 0, max(hours, 1e-6)
    chart.xValueAxis.labels.fontSize = chart.yValueAxis.labels.fontSize = 6
    chart.yValueAxis.labels.fontSize = 6
    for s_start, s_end in shaded:  # behind the lines
        a = max((s_start - start).total_seconds(), 0.0) / max(span, 1e-6)
        b = min((s_end - start).total_seconds(), span) / max(span, 1e-6)
        if b > a:
            drawing.add(Rect(chart.x + chart.width * a, chart.y, chart.width * (b - a),
                             chart.height, fillColor=colors.HexColor("#fde2e1"),
                             strokeColor=None))  # fmt: skip
    drawing.add(chart)
    ys = [y for line in lines for _, y in line] + [v for _, v in marks]
    lo, hi = min(ys), max(ys)
    chart.yValueAxis.valueMin, chart.yValueAxis.valueMax = (
        lo - 0.05 * (hi - lo or 1),
        hi + 0.05 * (hi - lo or 1),
    )
    for x, y in marks[:300]:  # the violations, marked where they are
        px = chart.x + chart.width * (x / 3600) / max(hours, 1e-6)
        span_y = chart.yValueAxis.valueMax - chart.yValueAxis.valueMin
        py = chart.y + chart.height * (y - chart.yValueAxis.valueMin) / span_y
        drawing.add(Circle(px, py, 1.6, fillColor=BAD, strokeColor=BAD))
    drawing.add(String(14 * mm, 58 * mm, f"{tag.name} [{tag.unit or '—'}] — hours from "
                       f"{format_ts(start)}", fontSize=7, fillColor=MUTED))  # fmt: skip
    return drawing


def build(target: Any, progress: Callable[[float], None]) -> Content:
    tags, start, end = target
    story: list[Any] = [
        para("How these figures are made", "h2"),
        para(
            "Each tag's stored good samples in the window are individual values (subgroups of "
            "one). Centre line: their mean. σ_within = mean moving range / d2, d2 = 1.128 (the "
            "average absolute difference of successive values); control limits: centre ± "
            "3σ_within; the rules use zones at 1, 2 and 3 σ_within. σ_overall: the sample "
            "standard deviation (n − 1). Cp = (USL − LSL) / 6σ_within; Cpk = min(USL − μ, "
            "μ − LSL) / 3σ_within; Pp and Ppk the same with σ_overall. Rules: Western Electric "
            "1–4 and Nelson 1–8 (listed below each chart). The chart shows each plot interval's "
            "minimum and maximum, the centre (green), the control limits (grey, dashed), the "
            "specification (red) and the points that broke a rule (red dots)."
        ),
    ]  # fmt: skip
    manifest: dict[str, Any] = {"report": "trend", "start": format_ts(start),
                                "end": format_ts(end), "tags": {}}  # fmt: skip
    for i, tag in enumerate(tags):
        t, x = _values(tag, start, end)
        story.append(para(f"{tag.name} — {tag.description or tag.unit}", "h2"))
        if len(x) < 2:
            story.append(para("Fewer than two good samples in the window: nothing to chart."))
            manifest["tags"][tag.name] = {"values": len(x)}
            continue
        limits = spc.individuals(list(x))
        found = spc.violations(list(x), limits)
        cap = spc.capability(list(x), tag.spec_low, tag.spec_high,
                             sigma_within=limits.sigma_within)  # fmt: skip
        marks = [(float(t[v.index]), float(x[v.index])) for v in found]
        story.append(chart_of(tag, start, end, tag.spec_low, tag.spec_high, limits=limits,
                              marks=marks))  # fmt: skip
        counts = Counter(v.rule for v in found)

        def fmt(value: float | None) -> str:
            return "—" if value is None else f"{value:.3f}"

        story.append(pairs([
            ("Values", f"{len(x):,} good samples; mean {cap.mean:.4g} {tag.unit}"),
            ("Specification", f"{fmt(tag.spec_low)} – {fmt(tag.spec_high)} {tag.unit}"),
            ("σ within / overall", f"{cap.sigma_within:.4g} / {cap.sigma_overall:.4g}"),
            ("Control limits", f"{limits.zone(3)[0]:.4g} – {limits.zone(3)[1]:.4g}"),
            ("Cp, Cpk", f"{fmt(cap.cp)}, {fmt(cap.cpk)}"),
            ("Pp, Ppk", f"{fmt(cap.pp)}, {fmt(cap.ppk)}"),
            ("Rule violations", ", ".join(f"{k} × {v}" for k, v in sorted(counts.items()))
             or "none"),
        ]))  # fmt: skip
        if found:
            # Points beyond the control limits first, the runs after them; each in time.
            listed = sorted(found, key=lambda v: (PRIORITY.index(v.rule), v.index))[:LISTED]
            rows = [[when(start + timedelta(seconds=float(t[v.index]))),
                     f"{x[v.index]:.4g}", v.rule, v.text] for v in listed]  # fmt: skip
            story.append(table(["When", "Value", "Rule", "Pattern"], rows,
                               widths=[42 * mm, 22 * mm, 14 * mm, 100 * mm]))  # fmt: skip
            if len(found) > LISTED:
                story.append(
                    para(
                        f"{LISTED} of {len(found):,} violations: those beyond the "
                        "control limits first.",
                        "small",
                    )
                )
        manifest["tags"][tag.name] = {
            "values": len(x), "centre": limits.centre, "sigma_within": limits.sigma_within,
            "capability": spc.summary(cap), "violations": dict(counts),
        }  # fmt: skip
        progress((i + 1) / len(tags))
    names = ", ".join(t.name for t in tags)
    return Content(title="Trend and SPC", subtitle=f"{names} · {when(start)} → {when(end)}",
                   story=story, manifest=manifest)  # fmt: skip
