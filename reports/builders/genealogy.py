"""The genealogy report (`reports/genealogy.pdf?line=&start=&end=` or `?lot=&material=`):
backward, the input lots of every batch window in an output window with their fractions per
feeder; forward, the output windows and batches a lot went into with its largest fraction. The
RTD versions used are named (ebr.selectors.genealogy, the same answers as the API)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm

from core.errors import DomainError, NotFound
from ebr import selectors as ebr
from ebr.models import MaterialLot
from reports.builders.window import window
from reports.pdf import Content, pairs, para, table, when


def resolve(params: dict[str, Any], user: Any) -> Any:
    if params.get("lot"):
        found = MaterialLot.objects.filter(lot=params["lot"])
        if params.get("material"):
            found = found.filter(material=params["material"])
        lots = list(found[:2])
        if not lots:
            raise NotFound(f"No lot {params['lot']}.")
        if len(lots) > 1:
            raise DomainError("The lot number is not unique: give material.",
                              fields={"material": "required"})  # fmt: skip
        return ("forward", lots[0])
    problems: dict[str, str] = {}
    found_window = window(params, problems)
    if not params.get("line"):
        problems["line"] = "the line's code (or lot= for a forward trace)"
    if problems or found_window is None:
        raise DomainError("The genealogy report needs a line and a window, or a lot.",
                          fields=problems)  # fmt: skip
    line = ebr.lines().filter(code=params["line"]).first()
    if line is None:
        raise NotFound(f"No line {params['line']}.")
    return ("backward", (line, *found_window))


def _fraction(value: float) -> str:
    return f"{100 * value:.2f} %" if value >= 0.0001 else f"{100 * value:.4f} %"


def build(target: Any, progress: Callable[[float], None]) -> Content:
    kind, what = target
    if kind == "forward":
        lot = what
        trace = ebr.genealogy_forward(lot, 0.001)
        progress(0.6)
        rows = [[o["batch_number"] or "no batch", f"{o['line']} / {o['feeder']}",
                 when(datetime.fromisoformat(o["start"])),
                 when(datetime.fromisoformat(o["end"])) if o["end"] else "still in its feeder",
                 _fraction(o["max_fraction"])] for o in trace["outputs"]]  # fmt: skip
        story: list[Any] = [
            para("Where the lot went", "h2"),
            pairs(
                [
                    ("Lot", f"{lot.material} {lot.lot}"),
                    ("Status", lot.status),
                    ("Threshold", "fractions above 0.1 %"),
                ]
            ),
            table(
                ["Batch", "Line / feeder", "From", "Until", "Largest fraction"],
                rows,
                widths=[30 * mm, 30 * mm, 42 * mm, 42 * mm, 28 * mm],
            )
            if rows
            else para("The lot was never fed, or never above the threshold."),
            _versions(trace["rtd_models"]),
        ]
        return Content(title=f"Genealogy of lot {lot.material} {lot.lot}",
                       subtitle="forward trace", story=story,
                       manifest={"report": "genealogy", "forward": trace})  # fmt: skip
    line, start, end = what
    story = [para("Lots in the material that left the line", "h2"),
             pairs([("Line", f"{line.code} — {line.name}"),
                    ("Window", f"{when(start)} → {when(end)}")])]  # fmt: skip
    traces = []
    targets = ebr.genealogy_targets(line, start, end)
    for i, (name, lo, hi) in enumerate(targets):
        trace = ebr.genealogy_backward(line, lo, hi)
        traces.append({"target": name, **trace})
        rows = [[i_["feeder"], i_["material"] or "—", i_["lot"] or "unrecorded (before the "
                 "first feed)", _fraction(i_["fraction"])] for i_ in trace["inputs"]]  # fmt: skip
        story += [para(f"{name}: {when(lo)} → {when(hi)}", "h3"),
                  table(["Feeder", "Material", "Lot", "Mass fraction"], rows,
                        widths=[30 * mm, 30 * mm, 70 * mm, 30 * mm])
                  if rows else para("No feed recorded for this window."),
                  para(f"Weighted by {trace['weighted_by'] or 'even flow'}", "small")]  # fmt: skip
        progress(0.1 + 0.8 * (i + 1) / len(targets))
    used = {(m["feeder"], m["version"]): m for t in traces for m in t["rtd_models"]}
    story.append(_versions(list(used.values())))
    return Content(title=f"Genealogy of line {line.code}", subtitle=f"{when(start)} → {when(end)}",
                   story=story, manifest={"report": "genealogy", "backward": traces})  # fmt: skip


def _versions(models: list[dict[str, Any]]) -> Any:
    if not models:
        return para("No RTD model was needed.", "small")
    text = "; ".join(f"{m['feeder']} v{m['version']}: {m['described']} (in force from "
                     f"{m['effective_from']})" for m in models)  # fmt: skip
    return para(f"RTD models used: {text}.", "small")
