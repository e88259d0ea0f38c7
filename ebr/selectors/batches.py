"""Batches: the list with its timeline, one batch with its steps and deviations (API and page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from audit.canonical import format_ts
from ebr import providers
from ebr.definitions import format_interval
from ebr.models import (
    Batch,
    DeviationKind,
    MasterRecord,
)
from ebr.selectors.deviations import (
    batch_deviations,
    deviation_json,
    deviation_signatures,
    deviations,
)
from ebr.selectors.execution import steps_json
from ebr.selectors.lines_and_lots import lines
from ebr.selectors.review import review_json


def batches(*, line: str = "", status: str = "") -> QuerySet[Batch]:
    found = Batch.objects.select_related("line", "master_record").order_by("line__code", "start")
    if line:
        found = found.filter(line__code=line)
    if status:
        found = found.filter(status=status)
    return found


def batch_json(batch: Batch) -> dict[str, Any]:
    record = batch.master_record
    return {
        "batch_number": batch.batch_number,
        "line": batch.line.code,
        "master_record": record.code,
        "version": record.version,
        "batch_definition": batch.batch_definition,
        "status": batch.status,
        "start": format_ts(batch.start),
        "end": format_ts(batch.end) if batch.end else None,
        "planned_quantity": batch.planned_quantity,
        "actual_quantity": batch.actual_quantity,
        "unit": batch.unit,
        "created_at": format_ts(batch.created_at),
    }


def batch_detail_json(batch: Batch) -> dict[str, Any]:
    """The batch with the master record version it runs under (its snapshot): steps, the
    parameter specs watched over its window, the LIMS tests it needs."""
    record = batch.master_record
    found = batch_deviations(batch)
    signed = deviation_signatures(found)
    review = review_json(batch)
    return {
        **batch_json(batch),
        "steps": steps_json(batch),
        "deviations": [deviation_json(d, signed[d.pk]) for d in found],
        "exceptions": review["exceptions"],
        "blockers": review["blockers"],
        "disposition": review["disposition"],
        **providers.detail_fields(batch),  # what other apps add (the LIMS results)
        "master": {
            "title": record.title,
            "product": record.product,
            "late_after": format_interval(record.late_after),
            "steps": record.steps,
            "parameter_specs": record.parameter_specs,
            "lims_tests": record.lims_tests,
        },
    }


BATCH_MOVES = {
    "in_progress": ("Start", "ebr.manage_batches"),
    "closed": ("Close the window", "ebr.manage_batches"),
    "cancelled": ("Cancel", "ebr.manage_batches"),
    "under_review": ("Take into review", "ebr.review_batches"),
}


def batches_page() -> dict[str, Any]:
    """Each line's batches on a timeline (positions in % of the span they cover), newest
    first in the table, and the effective master records a new batch may run under."""
    now = timezone.now()
    rows = list(batches().order_by("-start"))
    timelines = []
    for line in lines():
        mine = [b for b in rows if b.line_id == line.pk]
        if not mine:
            continue
        first = min(b.start for b in mine)
        last = max(b.end or now for b in mine)
        span = max((last - first).total_seconds(), 1.0)
        bars = [
            {
                "batch": b,
                "left": round(100 * (b.start - first).total_seconds() / span, 3),
                "width": max(
                    0.4, round(100 * ((b.end or now) - b.start).total_seconds() / span, 3)
                ),
                "open": b.end is None,
            }
            for b in sorted(mine, key=lambda b: b.start)
        ]
        timelines.append({"line": line, "bars": bars, "first": first, "last": last})
    return {"batches": rows, "timelines": timelines, "effective": effective_records()}


def effective_records() -> list[MasterRecord]:
    """The master record versions that may start batches now, by code."""
    found = MasterRecord.objects.filter(status="effective").select_related("line")
    return list(found.order_by("code"))


def batch_trend_url(batch: Batch) -> str | None:
    """The CPP trends of the window, with every CPP excursion's span shaded."""
    tags = [s["tag"] for s in batch.master_record.parameter_specs]
    if not tags:
        return None
    now = timezone.now()
    end = batch.end or now
    spans = [
        f"{format_ts(d.start)}/{format_ts(d.end or now)}"
        for d in batch.deviations.filter(kind=DeviationKind.CPP_EXCURSION).order_by("start")
    ]
    query = {"tags": ",".join(tags), "start": format_ts(batch.start), "end": format_ts(end)}
    if len(tags) > 2:
        query["layout"] = "lanes"
    if spans:
        query["shade"] = ",".join(spans)
        query["shade_label"] = "CPP excursions"
    return reverse("historian:trend") + "?" + urlencode(query, safe=",:/")


def batch_page(batch: Batch, user: Any) -> dict[str, Any]:
    """One batch: its window and quantities, the moves the user may make, its master record
    version (the snapshot) and the CPP trends of its window (the trend viewer, embedded)."""
    from ebr.models import BATCH_STATES

    moves = [
        {"status": target, "label": BATCH_MOVES[target][0]}
        for target in BATCH_STATES.allowed(batch.status)
        if target in BATCH_MOVES and user.has_perm(BATCH_MOVES[target][1])
    ]
    from ebr.selectors.genealogy_pages import backward_page

    record = batch.master_record
    trend = batch_trend_url(batch)
    until = batch.end or max(timezone.now(), batch.start + timedelta(seconds=1))
    site = "%Y-%m-%dT%H:%M:%S"
    query = {"line": batch.line.code, "start": timezone.localtime(batch.start).strftime(site),
             "end": timezone.localtime(until).strftime(site)}  # fmt: skip
    return {
        "sections": providers.detail_sections(batch),
        "genealogy": backward_page(batch.line, batch.start, until),
        "genealogy_url": reverse("ebr:genealogy") + "?" + urlencode(query),
        "batch": batch,
        "record": record,
        "deviations": list(deviations(batch_number=batch.batch_number)),
        "moves": moves,
        "trend_url": trend,
        "late_after": format_interval(record.late_after),
    }
