"""Diversion windows (API.md `diversion/`): the outlet window an inlet disturbance on a feeder
implies, asked for, and the one every CPP excursion on a feeder's tag implies — shown on the
deviation and a review exception of every batch whose material it covers."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from audit.canonical import format_ts
from ebr import genealogy
from ebr.models import Batch, Deviation, DeviationKind, Line
from ebr.selectors.genealogy import FOREVER, NoRtdModel, from_epoch, line_versions, version_json


def diversion(
    line: Line,
    feeder: str,
    start: datetime,
    end: datetime,
    quantile: float = 0.001,
    *,
    size: float | None = None,
    nominal: float = 0.0,
    low: float | None = None,
    high: float | None = None,
) -> dict[str, Any]:
    """The outlet window to divert for an inlet disturbance on a feeder over `[start, end)`,
    under the RTD version in force when it began; rounded outward to whole seconds."""
    model = line_versions(line).get(feeder)
    s = start.timestamp()
    if model is None or not model.covers(s):
        raise NoRtdModel(
            f"{line}/{feeder} has no RTD model in force at {format_ts(start)}: add one "
            f"(POST /api/v1/ebr/lines/{line}/rtd-models/)."
        )
    piece = model.pieces(s, s + 1)[0]
    row = model.used(s, s + 1)[-1]
    found = genealogy.diversion(piece.model, s, end.timestamp(), quantile, size=size,
                               nominal=nominal, low=low, high=high)  # fmt: skip
    body: dict[str, Any] = {
        "line": line.code,
        "feeder": feeder,
        "start": format_ts(start),
        "end": format_ts(end),
        "quantile": quantile,
        "divert_start": format_ts(from_epoch(math.floor(found.start))) if found.start else None,
        "divert_end": format_ts(from_epoch(math.ceil(found.end))) if found.end else None,
        "rtd_model": version_json(row),
    }
    if size is not None:
        body["peak_deviation"] = found.peak
    return body


def _feeder_of(line: Line, tag_path: str, feeders: set[str]) -> str | None:
    head = line.equipment.path + "/"
    if not tag_path.startswith(head):
        return None
    name = tag_path[len(head) :].split("/", 1)[0]
    return name if name in feeders else None


def deviation_diversion(deviation: Deviation) -> dict[str, Any] | None:
    """The outlet diversion window a CPP excursion on a feeder's tag implies (None for any
    other deviation): from the excursion's start; open-ended while the excursion goes on."""
    if deviation.kind != DeviationKind.CPP_EXCURSION or deviation.tag is None:
        return None
    line = deviation.line
    feeder = _feeder_of(line, deviation.tag.equipment.path, set(line_versions(line)))
    if feeder is None:
        return None
    end = deviation.end if deviation.end and deviation.end > deviation.start else None
    try:
        window = diversion(line, feeder, deviation.start,
                           end or deviation.start + timedelta(seconds=1))  # fmt: skip
    except NoRtdModel as exc:
        return {"feeder": feeder, "divert_start": None, "divert_end": None,
                "problem": exc.message}  # fmt: skip
    if end is None:
        window["divert_end"] = None  # until the excursion's end, plus the RTD's tail
        window["end"] = None
    return window


def diversion_exceptions(batch: Batch) -> list[Any]:
    """Review exceptions (`diversion`) for the material of a batch inside the diversion window
    of a CPP excursion on a feeder's tag — that batch's or a neighbour's (registered as a
    provider)."""
    from ebr.models import ExceptionKind
    from ebr.providers import ReviewException

    versions = line_versions(batch.line)
    if not versions:
        return []
    reach = timedelta(seconds=max(v.reach() for v in versions.values()))
    head = batch.line.equipment.path + "/"
    on_feeders = Q()
    for feeder in versions:
        on_feeders |= Q(tag__equipment__path=head + feeder)
        on_feeders |= Q(tag__equipment__path__startswith=head + feeder + "/")
    batch_end = batch.end or timezone.now()
    found = (
        Deviation.objects.filter(
            line=batch.line, kind=DeviationKind.CPP_EXCURSION, start__lt=batch_end
        )
        .filter(Q(end__isnull=True) | Q(end__gt=batch.start - reach))
        .filter(on_feeders)
        .select_related("tag__equipment", "line__equipment")
        .order_by("start", "pk")
    )
    items = []
    for deviation in found:
        window = deviation_diversion(deviation)
        if window is None:
            continue
        if window.get("problem"):  # no RTD model: QA must know the window is unknown
            if deviation.batch_id == batch.pk:
                items.append(ReviewException(
                    f"diversion:{deviation.number}", ExceptionKind.DIVERSION,
                    f"The diversion window of {deviation.number} is unknown: {window['problem']}",
                    deviation.number, deviation.created_at,
                ))  # fmt: skip
            continue
        if window["divert_start"] is None:
            continue
        lo = max(datetime.fromisoformat(window["divert_start"]), batch.start)
        hi_text = window["divert_end"]
        hi = min(datetime.fromisoformat(hi_text) if hi_text else FOREVER, batch_end)
        if hi <= lo:
            continue
        until = format_ts(hi) if hi_text or batch.end else "the excursion's end"
        items.append(ReviewException(
            f"diversion:{deviation.number}", ExceptionKind.DIVERSION,
            f"Material that left {format_ts(lo)} – {until} is inside the diversion window of "
            f"{deviation.number} ({deviation.tag.name if deviation.tag else ''}, feeder "
            f"{window['feeder']}): divert it, or justify keeping it.",
            deviation.number, deviation.created_at,
        ))  # fmt: skip
    return items
