"""The root-cause section of the deviation report (reports/builders/deviation.py): the best
candidates with their evidence, charts of the best three beside the deviation's tag — each as
the candidate explains the tag, carried by its lag (or through the RTD), on the tag's own axis
— how the ranking works and where it can be wrong."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether

from reports.pdf import BAD, BRAND, MUTED, para, table

LISTED = 12
CHARTED = 3
FITTED = colors.HexColor("#c2410c")


def section(body: dict[str, Any]) -> list[Any]:
    story: list[Any] = [para("Root-cause ranking", "h2")]
    target = body["target"]
    candidates = body["candidates"]
    if target["tag"]:
        window = body["window"]
        blocks = " and ".join(f"{s} s" for s in body["resolutions_s"])
        story.append(para(
            f"Candidates ranked by how well their change explains {target['tag']}, whose "
            f"change began {_utc(target['onset'])}; the line read from "
            f"{_utc(window['start'])} to {_utc(window['end'])} in blocks of {blocks}."
        ))  # fmt: skip
    for note in body["notes"]:
        story.append(para(note, "small"))
    if not candidates:
        story.append(para("No candidates: the line has no data in the window."))
        return story
    story.append(table(
        ["#", "Candidate", "Kind", "Score", "Lag", "Change began", "Evidence"],
        [[str(i), _name(c), c["kind"].replace("_", " "), f"{c['score']:.2f}", _lag(c["lag_s"]),
          _utc(c["onset"]), _evidence(c)] for i, c in enumerate(candidates[:LISTED], 1)],
        widths=[6 * mm, 44 * mm, 18 * mm, 11 * mm, 13 * mm, 27 * mm, 59 * mm],
    ))  # fmt: skip
    if len(candidates) > LISTED:
        story.append(para(f"{len(candidates) - LISTED} further candidates scored at most "
                          f"{candidates[LISTED]['score']:.2f} (the API lists them all).",
                          "small"))  # fmt: skip
    charts = list(body.get("series", []))[:CHARTED]
    for rank, chart in enumerate(charts, 1):
        drawing = _chart(rank, chart, target)
        # The heading stays with the first chart.
        story.append(
            KeepTogether(
                [para("Evidence: the tag beside each candidate carried to it", "h3"), drawing]
            )
            if rank == 1
            else drawing
        )
    story += [para("How the ranking works", "h3"), para(body["method"], "small"),
              para("Where it can be wrong", "h3")]  # fmt: skip
    story += [para(f"• {caveat}", "small") for caveat in body["caveats"]]
    return story


def _utc(iso: str | None) -> str:
    return "—" if not iso else iso.replace("T", " ")[:19] + " UTC"


def _lag(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds / 60:.1f} min" if seconds >= 120 else f"{seconds:.0f} s"


def _name(c: dict[str, Any]) -> str:
    e = c["evidence"]
    if c["kind"] == "lot_switch":
        return f"lot {e.get('lot')} ({e.get('material')}) on {e.get('feeder')}"
    if c["kind"] == "step_entry":
        what = f"correction of entry {e['corrects']}" if e.get("corrects") else "entry"
        return f"{what} {c['ref']} ({e.get('step')}, {e.get('batch_number')})"
    if c["kind"] == "equipment_event":
        return f"{c['tag']}: {e.get('from')} → {e.get('to')}"
    return str(c["ref"])


def _evidence(c: dict[str, Any]) -> str:
    e = c["evidence"]
    parts = []
    if "explained_r2" in e:
        parts.append(f"R² {e['explained_r2']:.2f}")
    if "timing" in e:
        parts.append(f"timing {e['timing']:.2f}")
    if "size_sigma" in e:
        parts.append(f"{e['size_sigma']} σ")
    if e.get("lag_source") == "rtd":
        parts.append(f"via RTD {e.get('rtd_model')}")
    elif e.get("lag_source") == "cross_correlation":
        parts.append("lag by cross-correlation")
    if e.get("consequence"):
        parts.append("CONSEQUENCE (began after the deviation's change)")
    if e.get("moves_with_target"):
        parts.append("moves with the tag itself")
    if e.get("follows"):
        parts.append(f"follows {e['follows']['ref']} (R² {e['follows']['r2']})")
    loop = e.get("loop")
    if loop and loop.get("role") == "controller output":
        share = round(100 * loop["move_explained_by_controller"])
        parts.append(f"controller output of {loop['controlled_variable']} ({share} % of its "
                     "move is the controller answering)")  # fmt: skip
    if e.get("note"):
        parts.append(str(e["note"]))
    return "; ".join(parts)


def _chart(rank: int, chart: dict[str, Any], target: dict[str, Any]) -> Drawing:
    """The tag (blue) and the tag as the candidate explains it (orange), minutes from the
    tag's change; the change's start dashed."""
    start = datetime.fromisoformat(chart["start"])
    onset = datetime.fromisoformat(target["onset"]) if target["onset"] else start
    step_min = chart["step_s"] / 60
    offset = (start - onset).total_seconds() / 60

    def points(values: list[float | None]) -> list[tuple[float, float]]:
        return [(offset + k * step_min, v) for k, v in enumerate(values) if v is not None]

    measured, fitted = points(chart["target"]), points(chart["fitted"])
    drawing = Drawing(178 * mm, 52 * mm)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 16 * mm, 7 * mm, 158 * mm, 38 * mm
    plot.data = [measured or [(0, 0)], fitted or [(0, 0)]]
    for i, (colour, width) in enumerate(((BRAND, 0.7), (FITTED, 0.9))):
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = width
    xs = [x for line in plot.data for x, _ in line]
    ys = [y for line in plot.data for _, y in line]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(xs), max(xs)
    pad = 0.05 * ((max(ys) - min(ys)) or 1)
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = min(ys) - pad, max(ys) + pad
    plot.xValueAxis.labels.fontSize = plot.yValueAxis.labels.fontSize = 6
    drawing.add(plot)
    if min(xs) <= 0 <= max(xs):
        x0 = plot.x + plot.width * (0 - min(xs)) / ((max(xs) - min(xs)) or 1)
        drawing.add(Line(x0, plot.y, x0, plot.y + plot.height, strokeColor=BAD,
                         strokeDashArray=(2, 2), strokeWidth=0.6))  # fmt: skip
    how = ("through the RTD" if chart.get("lag_source") == "rtd"
           else f"carried by {_lag(chart['lag_s'])}")  # fmt: skip
    drawing.add(String(16 * mm, 48 * mm, f"#{rank} {chart['ref']} — {target['tag']} (blue) and "
                       f"as the candidate explains it, {how} (orange); minutes from the "
                       "change's start (dashed)", fontSize=7, fillColor=MUTED))  # fmt: skip
    return drawing
