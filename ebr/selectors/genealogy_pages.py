"""What the genealogy screens draw: lots → batch windows with fractions (a Sankey graph), each
lot's fraction at the outlet over time (a chart per feeder), and a lot's forward trace. The
numbers are the API's (ebr.selectors.genealogy); here they are shaped for the charts."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db.models import Q

from audit.canonical import format_ts
from ebr import genealogy
from ebr.models import Batch, BatchStatus, Line, MaterialLot
from ebr.rtd import Charge
from ebr.selectors.genealogy import (
    NoRtdModel,
    backward,
    forward,
    line_charges,
    line_versions,
    relevant,
)

POINTS = 400  # samples of each lot's fraction over the window


def _lot_label(material: str | None, lot: str | None) -> str:
    return f"{material} {lot}" if lot else "unrecorded (before the first feed)"


def targets(line: Line, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """The batch windows inside [start, end) (clipped to it), or the window itself."""
    found = (
        Batch.objects.filter(line=line, start__lt=end)
        .filter(Q(end__isnull=True) | Q(end__gt=start))
        .exclude(status=BatchStatus.CANCELLED)
        .order_by("start")
    )
    windows = [(b.batch_number, max(b.start, start), min(b.end or end, end)) for b in found]
    windows = [w for w in windows if w[2] > w[1]]
    return windows or [(f"{format_ts(start)} – {format_ts(end)}", start, end)]


def fraction_series(line: Line, start: datetime, end: datetime) -> dict[str, Any]:
    """Each lot's fraction at the outlet at POINTS moments of the window, per feeder."""
    s, e = start.timestamp(), end.timestamp()
    t = np.linspace(s, e, POINTS)
    versions = line_versions(line)
    charges = line_charges(line, end)
    feeders: dict[str, list[dict[str, Any]]] = {}
    for feeder in sorted(set(versions) | set(charges)):
        model = versions.get(feeder)
        if model is None or not model.covers(s):
            continue
        pieces = model.pieces(s, e + 1)
        charged = relevant(charges.get(feeder, []), s - model.reach())
        lots: dict[str, list[Charge]] = {}
        labels: dict[str, str] = {}
        for c in charged:
            lots.setdefault(c.charge.lot, []).append(c.charge)
            labels[c.charge.lot] = _lot_label(c.material, c.lot)
        series = []
        if charged:
            first = charged[0].charge.start
            unknown = 1 - genealogy.lot_fraction(pieces, [Charge("", first)], t)
            if unknown.max() > 1e-4:
                series.append({"lot": _lot_label(None, None), "values": _rounded(unknown)})
        for key, own in lots.items():
            values = genealogy.lot_fraction(pieces, own, t)
            if values.max() > 1e-4:
                series.append({"lot": labels[key], "values": _rounded(values)})
        feeders[feeder] = series
    return {"t": [round(x * 1000) for x in t], "feeders": feeders}


def _rounded(values: Any) -> list[float]:
    return [round(float(v), 5) for v in values]


def backward_page(line: Line, start: datetime, end: datetime) -> dict[str, Any]:
    """The graph lots → batch windows (the fraction of each lot per feeder in each window),
    the traces behind it and the lots' fractions over time; or the problem that stops it."""
    traces: list[dict[str, Any]] = []
    try:
        for name, lo, hi in targets(line, start, end):
            traces.append({"target": name, "start": lo, "end": hi,
                           "trace": backward(line, lo, hi)})  # fmt: skip
        series = fraction_series(line, start, end)
    except NoRtdModel as exc:
        return {"problem": exc.message}
    links = [
        {"source": _lot_label(i["material"], i["lot"]), "target": t["target"],
         "value": i["fraction"], "feeder": i["feeder"]}
        for t in traces for i in t["trace"]["inputs"] if i["fraction"] >= 1e-4
    ]  # fmt: skip
    used = {(m["feeder"], m["version"]): m for t in traces for m in t["trace"]["rtd_models"]}
    bands = [_band(t["target"], t["start"], t["end"]) for t in traces]
    return {
        "traces": traces,
        "chart": {"links": links, "series": series, "bands": bands},
        "rtd_models": sorted(used.values(), key=lambda m: (m["feeder"], m["version"])),
        "weighted_by": traces[0]["trace"]["weighted_by"] if traces else None,
    }


def forward_page(lot: MaterialLot, threshold: float) -> dict[str, Any]:
    """A lot's forward trace with the graph lot → batches (its largest fraction in each)."""
    try:
        trace = forward(lot, threshold)
    except NoRtdModel as exc:
        return {"problem": exc.message}
    label = _lot_label(lot.material, lot.lot)
    links = [
        {"source": label, "target": o["batch_number"] or f"no batch ({o['start'][:16]})",
         "value": o["max_fraction"], "feeder": o["feeder"]}
        for o in trace["outputs"]
    ]  # fmt: skip
    for output in trace["outputs"]:
        output["begins"] = datetime.fromisoformat(output["start"])
        output["ends"] = datetime.fromisoformat(output["end"]) if output["end"] else None
    series = _forward_series(lot, trace["outputs"])
    bands = [_band(o["batch_number"], o["begins"], o["ends"]) for o in trace["outputs"]
             if o["batch_number"]]  # fmt: skip
    return {"trace": trace, "chart": {"links": links, "series": series, "bands": bands}}


def _band(name: str, start: datetime, end: datetime | None) -> dict[str, Any]:
    """A batch window the fraction charts shade (ms since the epoch; end None: open)."""
    return {"name": name, "start": round(start.timestamp() * 1000),
            "end": round(end.timestamp() * 1000) if end else None}  # fmt: skip


def _forward_series(lot: MaterialLot, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """The lot's fraction over the span of its outputs, per line and feeder."""
    if not outputs:
        return {"t": [], "feeders": {}}
    s = min(o["begins"] for o in outputs).timestamp()
    ends = [o["ends"].timestamp() for o in outputs if o["ends"]]
    e = max(ends) if ends else s + 3600.0
    e = e if math.isfinite(e) and e > s else s + 3600.0
    pad = (e - s) * 0.05
    t = np.linspace(s - pad, e + pad, POINTS)
    feeders: dict[str, list[dict[str, Any]]] = {}
    for line in Line.objects.filter(feeds__lot=lot).distinct():
        versions = line_versions(line)
        for feeder, charged in line_charges(line, datetime.fromtimestamp(e + 1, tz=UTC)).items():
            own = [c.charge for c in charged if (c.material, c.lot) == (lot.material, lot.lot)]
            model = versions.get(feeder)
            if not own or model is None or not model.covers(own[0].start):
                continue
            values = genealogy.lot_fraction(model.pieces(own[0].start, math.inf), own, t)
            feeders[f"{line.code} {feeder}"] = [
                {"lot": _lot_label(lot.material, lot.lot), "values": _rounded(values)}
            ]
    return {"t": [round(x * 1000) for x in t], "feeders": feeders}
