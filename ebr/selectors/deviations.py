"""Deviations with their signatures: the list, one deviation as the API and its page show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.canonical import format_ts
from audit.models import Signature
from core.memo import once_per
from ebr.models import Batch, Deviation
from ebr.selectors.signed import SHOWN, signature_json


def deviations(
    *, line: str = "", batch_number: str = "", status: str = "", kind: str = ""
) -> QuerySet[Deviation]:
    found = Deviation.objects.select_related("line__equipment", "batch", "tag__equipment").order_by(
        "-start", "-id"
    )
    for key, value in (
        ("line__code", line), ("batch__batch_number", batch_number), ("status", status),
        ("kind", kind),
    ):  # fmt: skip
        if value:
            found = found.filter(**{key: value})
    return found


def batch_deviations(batch: Batch) -> list[Deviation]:
    """The batch's deviations, newest first, read once per batch object (its detail asks for
    them as a list, as exceptions and as blockers)."""

    def read() -> list[Deviation]:
        own = [f.name for f in Deviation._meta.concrete_fields]
        found = Deviation.objects.filter(batch=batch).select_related("tag").only(*own, "tag__name")
        listed = list(found.order_by("-start", "-id"))
        for d in listed:  # the batch and its line are known: not read again per deviation
            d.batch, d.line = batch, batch.line
        return listed

    return once_per(batch, "_read_deviations", read)


def deviation_signatures(found: list[Deviation]) -> dict[int, list[Signature]]:
    by_record: dict[int, list[Signature]] = {d.pk: [] for d in found}
    for s in (
        Signature.objects.filter(
            record_table="ebr_deviation", record_pk__in=[str(d.pk) for d in found]
        )
        .only(*SHOWN)
        .order_by("signed_at")
    ):
        by_record[int(s.record_pk)].append(s)
    return by_record


def deviation_json(
    deviation: Deviation, signatures: list[Signature] | None = None
) -> dict[str, Any]:
    return {
        "number": deviation.number,
        "line": deviation.line.code,
        "batch_number": deviation.batch.batch_number if deviation.batch else None,
        "kind": deviation.kind,
        "severity": deviation.severity,
        "tag": deviation.tag.name if deviation.tag else None,
        "start": format_ts(deviation.start),
        "end": format_ts(deviation.end) if deviation.end else None,
        "description": deviation.description,
        "details": deviation.details,
        "status": deviation.status,
        "root_cause": deviation.root_cause,
        "impact": deviation.impact,
        "capa": deviation.capa,
        "raised_by": deviation.raised_by,
        "created_at": format_ts(deviation.created_at),
        "signatures": [signature_json(s) for s in signatures or []],
    }


def deviation_page(deviation: Deviation, user: Any) -> dict[str, Any]:
    """A deviation with its workflow (the moves the user may make) and, for one on a tag,
    the trend around it (the trend viewer, embedded)."""
    from datetime import timedelta
    from urllib.parse import urlencode

    from django.urls import reverse

    from ebr.models import DEVIATION_STATES

    moves = (
        DEVIATION_STATES.allowed(deviation.status) if user.has_perm("ebr.review_batches") else []
    )
    trend = None
    if deviation.tag is not None:
        end = deviation.end or timezone.now()
        margin = max(timedelta(minutes=10), (end - deviation.start) / 2)
        query = {
            "tags": deviation.tag.name,
            "start": format_ts(deviation.start - margin),
            "end": format_ts(end + margin),
        }
        trend = reverse("historian:trend") + "?" + urlencode(query, safe=",:")
    from ebr.selectors.diversion import deviation_diversion

    diversion = deviation_diversion(deviation)
    if diversion and diversion.get("divert_start"):
        diversion["begins"] = datetime.fromisoformat(diversion["divert_start"])
        ends = diversion.get("divert_end")
        diversion["ends"] = datetime.fromisoformat(ends) if ends else None
    from ebr import providers

    return {
        "deviation": deviation,
        "body": deviation_json(deviation, deviation_signatures([deviation])[deviation.pk]),
        "moves": moves,
        "trend_url": trend,
        "diversion": diversion,
        "sections": providers.deviation_sections(deviation),
    }
