"""Live CPP monitoring: a batch's parameter specs checked against the historian's samples in
its window. Each excursion (a run of samples outside the spec's limits) is one `cpp_excursion`
deviation, extended while it continues; a later excursion is a new one; checking the same data
again changes nothing. The historian announces stored samples (`samples_stored`, after the
ingest committed); `ebr.tasks.on_samples_stored` queues a check per batch and tag on the
background queue, so the ingest request never waits for it, and late data is checked like live
data."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.actors import SystemActor
from audit.canonical import format_ts
from audit.context import audit_context
from ebr.models import Batch, BatchStatus, Deviation, DeviationStatus
from ebr.services.deviations import deviation_raise
from historian.models import Tag
from historian.selectors import Excursion, excursions

MONITOR = SystemActor("system:cpp-monitor")
# A signal that comes back for less than this and leaves again is still the same excursion:
# a value hovering at its limit is one deviation, not hundreds.
REJOIN = timedelta(seconds=60)
EXTENDED = "the excursion continued (the CPP monitor extends its deviation)"


def batches_watching(tags: list[str], start: datetime, end: datetime) -> list[tuple[int, str]]:
    """(batch id, tag) for every batch whose window overlaps [start, end] and whose master
    record has a spec on one of the tags."""
    found = (
        Batch.objects.exclude(status=BatchStatus.CANCELLED)
        .filter(Q(end__isnull=True) | Q(end__gt=start), start__lte=end)
        .select_related("master_record")
    )
    wanted = set(tags)
    return [
        (batch.pk, spec["tag"])
        for batch in found
        for spec in batch.master_record.parameter_specs
        if spec["tag"] in wanted
    ]


def cpp_check(batch: Batch, tag_name: str, now: datetime | None = None) -> list[Deviation]:
    """Check one spec of a batch over its window (until now while it is open); returns the
    deviations raised or extended."""
    spec = next((s for s in batch.master_record.parameter_specs if s["tag"] == tag_name), None)
    tag = Tag.objects.filter(name=tag_name).first()
    end = batch.end or now or timezone.now()
    if spec is None or tag is None or end <= batch.start:
        return []
    low, high = spec.get("low"), spec.get("high")
    found = merged(excursions(tag, batch.start, end, low, high), low, high)
    touched = []
    with transaction.atomic():
        with connection.cursor() as cursor:  # one checker per batch and tag at a time
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ebr_cpp:{batch.pk}:{tag_name}"]
            )
        known = list(
            Deviation.objects.select_for_update(of=("self",))
            .filter(batch=batch, tag=tag, kind="cpp_excursion")
            .order_by("start")
        )
        for excursion in found:
            match = next((d for d in known if _overlaps(d, excursion)), None)
            if match is None:
                deviation, _ = deviation_raise(
                    actor=MONITOR, line=batch.line.code,
                    batch_number=batch.batch_number, kind="cpp_excursion", severity="major",
                    tag=tag_name, start=excursion.start, end=excursion.end,
                    description=_said(tag_name, spec, excursion),
                    details=_details(spec, excursion),
                    source_key=f"cpp:{batch.pk}:{tag_name}:{format_ts(excursion.start)}",
                    reason="a CPP left its specification",
                )  # fmt: skip
                known.append(deviation)
                touched.append(deviation)
            elif _extend(match, spec, excursion):
                touched.append(match)
    return touched


def merged(found: list[Excursion], low: float | None, high: float | None) -> list[Excursion]:
    """Excursions less than REJOIN apart taken as one: their counts added, the worse of their
    worst values (the one farther beyond its limit)."""

    def beyond(value: float) -> float:
        return max(
            value - high if high is not None else -math.inf,
            low - value if low is not None else -math.inf,
        )

    out: list[Excursion] = []
    for excursion in found:
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous.end is not None
            and (excursion.start - previous.end < REJOIN)
        ):
            worst = max(previous.worst, excursion.worst, key=beyond)
            out[-1] = Excursion(
                previous.start, excursion.last, excursion.end,
                previous.count + excursion.count, worst,
            )  # fmt: skip
        else:
            out.append(excursion)
    return out


def _overlaps(deviation: Deviation, excursion: Excursion) -> bool:
    """The same excursion seen again, or grown: their spans meet."""
    d_end, e_end = deviation.end, excursion.end
    return (d_end is None or excursion.start <= d_end) and (
        e_end is None or deviation.start <= e_end
    )


def _extend(deviation: Deviation, spec: dict[str, Any], excursion: Excursion) -> bool:
    """Grow the deviation to cover the excursion as now known; False when nothing changed or
    when QA closed it already (its record is signed; the extension is then a new excursion's
    business, which a later check raises)."""
    start = min(deviation.start, excursion.start)
    # Open (None) means "still outside when last checked": the data as it is now decides.
    if excursion.end is None or deviation.end is None:
        end = excursion.end
    else:
        end = max(deviation.end, excursion.end)
    details = _details(spec, excursion)
    if deviation.details.get("count", 0) > details["count"]:
        details = deviation.details  # the excursion as recorded was larger: keep it
    if (start, end, details) == (deviation.start, deviation.end, deviation.details):
        return False
    if deviation.status == DeviationStatus.CLOSED:
        return False
    with audit_context(actor=MONITOR, reason=EXTENDED):
        deviation.start, deviation.end, deviation.details = start, end, details
        deviation.description = _said(str(spec["tag"]), spec, excursion)
        deviation.save(update_fields=["start", "end", "details", "description"])
    return True


def _details(spec: dict[str, Any], excursion: Excursion) -> dict[str, Any]:
    return {
        "worst": excursion.worst, "count": excursion.count, "low": spec.get("low"),
        "high": spec.get("high"), "last_outside": format_ts(excursion.last),
    }  # fmt: skip


def _said(tag: str, spec: dict[str, Any], excursion: Excursion) -> str:
    limits = f"[{spec.get('low', '…')}, {spec.get('high', '…')}]"
    ongoing = "" if excursion.end is not None else ", still outside"
    return (
        f"{tag} outside its specification {limits}: worst {excursion.worst:g}, "
        f"{excursion.count} sample(s){ongoing}."
    )
