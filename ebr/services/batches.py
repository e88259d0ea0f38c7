"""Continuous batches: created under the effective master record version on its line, started,
closed (a quantity batch closes itself when the mass through the line's outlet reaches its
plan), taken into review by QA, or cancelled before they start. Windows never overlap: the
database refuses it."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.actors import SystemActor
from audit.context import audit_context
from core.errors import Conflict, Forbidden, Unprocessable
from ebr.errors import EbrError
from ebr.models import (
    BATCH_STATES,
    Batch,
    BatchDefinition,
    BatchStatus,
    Line,
    MasterRecord,
    MasterStatus,
)
from ebr.units import MASS_FLOW_KG_PER_H, MASS_KG
from historian.models import Tag
from historian.selectors import ReadSpec, read
from historian.timestamps import parse_ts

MANAGE = "ebr.manage_batches"
REVIEW = "ebr.review_batches"
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")
# Who moves a batch to each status (a release or rejection is QA's signed disposition).
MOVERS = {
    BatchStatus.IN_PROGRESS: MANAGE,
    BatchStatus.CANCELLED: MANAGE,
    BatchStatus.CLOSED: MANAGE,
    BatchStatus.UNDER_REVIEW: REVIEW,
}
SCHEDULER = SystemActor("system:scheduler")


def _time(value: Any, field: str, problems: dict[str, str]) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_ts(value)
    if isinstance(parsed, str):
        problems[field] = parsed
        return None
    return parsed[0]


def _version(code: str, version: int | None) -> MasterRecord:
    versions = MasterRecord.objects.filter(code=code).select_related("line")
    if not versions.exists():
        raise EbrError(f"No master record {code}.", fields={"master_record": "unknown"})
    if version is None:
        effective = versions.filter(status=MasterStatus.EFFECTIVE).first()
        if effective is None:
            raise Conflict(f"{code} has no effective version: QA makes one effective first.")
        return effective
    record = versions.filter(version=version).first()
    if record is None:
        raise EbrError(f"{code} has no version {version}.", fields={"version": "unknown"})
    if record.status != MasterStatus.EFFECTIVE:
        raise Conflict(f"{record} is {record.status}: only the effective version starts batches.")
    return record


def batch_create(
    *,
    actor: Any,
    batch_number: str,
    master_record: str,
    line: str,
    start: Any,
    end: Any = None,
    planned_quantity: float | None = None,
    unit: str = "",
    version: int | None = None,
) -> Batch:
    """A planned batch: its window on the line, under the master record's effective version
    (or the version given, which must be effective)."""
    problems: dict[str, str] = {}
    number = (batch_number or "").strip()
    if not NUMBER.match(number):
        problems["batch_number"] = "1–60 letters, digits, _, . or -"
    begin, finish = _time(start, "start", problems), _time(end, "end", problems)
    if start in (None, "") and "start" not in problems:
        problems["start"] = "required"
    if problems:
        raise EbrError("The batch is not valid: see fields.", fields=problems)
    record = _version(master_record, version)
    found_line = Line.objects.filter(code=line).first()
    if found_line is None:
        raise EbrError(f"No line {line}.", fields={"line": "unknown"})
    if found_line.pk != record.line_id:
        raise Unprocessable(
            f"{record} runs on line {record.line.code}, not {line}.",
            items=[{"index": 0, "field": "line", "error": f"must be {record.line.code}"}],
        )
    _check_quantities(record.batch_definition, found_line, begin, finish, planned_quantity, unit)
    assert begin is not None
    batch = Batch(
        batch_number=number,
        line=found_line,
        master_record=record,
        batch_definition=record.batch_definition,
        start=begin,
        end=finish,
        planned_quantity=planned_quantity,
        unit=(unit or "").strip(),
    )
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        if Batch.objects.filter(batch_number=number).exists():
            raise EbrError(f"Batch {number} exists already.", fields={"batch_number": "taken"})
        _save_window(batch)
    return batch


def _check_quantities(
    definition: str,
    line: Line,
    start: datetime | None,
    end: datetime | None,
    planned: float | None,
    unit: str,
) -> None:
    problems: dict[str, str] = {}
    if planned is not None and (isinstance(planned, bool) or planned <= 0):
        problems["planned_quantity"] = "a positive number"
    if planned is not None and unit not in MASS_KG:
        problems["unit"] = f"a mass unit: {', '.join(MASS_KG)}"
    if definition == BatchDefinition.TIME:
        if end is None:
            problems["end"] = "a time-defined batch has an end (it may move while the batch runs)"
        elif start is not None and end <= start:
            problems["end"] = "must be after start"
    else:
        if end is not None:
            problems["end"] = (
                "a quantity-defined batch ends when its quantity has left the line: leave it out"
            )
        if planned is None:
            problems["planned_quantity"] = "required for a quantity-defined batch"
        if not line.outlet_tag_id:
            problems["line"] = f"{line.code} has no outlet tag to measure the quantity"
    if problems:
        raise EbrError("The batch is not valid: see fields.", fields=problems)


def _save_window(batch: Batch) -> None:
    """Save, turning the database's refusal of an overlapping window into a 409 that names
    the batch in the way. Windows of a line are saved one at a time (a transaction-scoped
    advisory lock): two overlapping inserts checked by the exclusion constraint at once can
    deadlock each other instead of one being refused (PostgreSQL checks an exclusion
    constraint after inserting into its index)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                       [f"ebr_line_windows:{batch.line_id}"])  # fmt: skip
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError as exc:
        if "ebr_batch_windows_do_not_overlap" not in str(exc):
            raise
        other = (
            Batch.objects.filter(line=batch.line)
            .exclude(pk=batch.pk)
            .exclude(status=BatchStatus.CANCELLED)
            .filter(start__lt=batch.end or datetime.max.replace(tzinfo=UTC))
            .exclude(end__lte=batch.start)
            .order_by("start")
            .first()
        )
        named = f" batch {other.batch_number} ({_window(other)})" if other else " another batch"
        error = Conflict(f"The window overlaps{named} on line {batch.line.code}.")
        if other is not None:
            error.items = [{"kind": "batch", "ref": other.batch_number, "detail": _window(other)}]
        raise error from exc


def _window(batch: Batch) -> str:
    end = batch.end.isoformat() if batch.end else "open"
    return f"[{batch.start.isoformat()}, {end})"


def batch_move_end(*, actor: Any, batch: Batch, end: Any, reason: str) -> Batch:
    """Move a time-defined batch's end while it is planned or running."""
    problems: dict[str, str] = {}
    finish = _time(end, "end", problems)
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "required"
    if finish is None and "end" not in problems:
        problems["end"] = "required"
    if problems:
        raise EbrError("The change is not valid: see fields.", fields=problems)
    assert finish is not None
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        locked = Batch.objects.select_for_update().select_related("line").get(pk=batch.pk)
        if locked.batch_definition != BatchDefinition.TIME:
            raise Conflict(f"{locked} ends when its quantity is reached: its end is not set.")
        if locked.status not in (BatchStatus.PLANNED, BatchStatus.IN_PROGRESS):
            raise Conflict(f"{locked} is {locked.status}: its window no longer moves.")
        if finish <= locked.start:
            raise EbrError("end must be after start.", fields={"end": "not after start"})
        locked.end = finish
        _save_window(locked)
    return locked


def batch_transition(
    *, actor: Any, batch: Batch, status: str, reason: str, end: Any = None
) -> Batch:
    """Start, close, cancel or take into review; a release or rejection is the disposition."""
    if status in (BatchStatus.RELEASED, BatchStatus.REJECTED):
        raise Conflict(f"A batch is {status} by QA's signed disposition (…/disposition/).")
    BATCH_STATES.check(batch, status)
    if not isinstance(reason, str) or not reason.strip():
        raise EbrError("A status change needs a reason.", fields={"reason": "required"})
    needed = MOVERS[BatchStatus(status)]
    if not actor.has_perm(needed):
        raise Forbidden(f"You may not move a batch to {status}.")
    problems: dict[str, str] = {}
    finish = _time(end, "end", problems)
    if problems:
        raise EbrError("The change is not valid: see fields.", fields=problems)
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        locked = Batch.objects.select_for_update().select_related("line").get(pk=batch.pk)
        BATCH_STATES.move(locked, status)
        if status == BatchStatus.IN_PROGRESS:
            locked.started_at = timezone.now()  # the first steps open now
            locked.save(update_fields=["status", "started_at"])
        elif status == BatchStatus.CLOSED:
            _close(locked, finish or _default_end(locked))
        else:
            locked.save(update_fields=["status"])
    return locked


def _default_end(batch: Batch) -> datetime:
    """Where a window closes when no end is given: now, or a time batch's planned end when
    that has passed already (closing late does not stretch the batch)."""
    now = timezone.now()
    if batch.batch_definition == BatchDefinition.TIME and batch.end is not None:
        return min(batch.end, now)
    return now


def _close(batch: Batch, end: datetime) -> None:
    if end <= batch.start:
        raise EbrError(
            "The end must be after the batch's start.", fields={"end": "not after start"}
        )
    batch.end = end
    if batch.line.outlet_tag_id:
        mass = outlet_mass(batch.line, batch.start, end)
        batch.actual_quantity = round(mass / MASS_KG.get(batch.unit or "kg", 1.0), 6)
        batch.unit = batch.unit or "kg"
    _save_window(batch)


def outlet_mass(line: Line, start: datetime, end: datetime) -> float:
    """Kilograms through the line's outlet in [start, end): its mass flow integrated, linear
    between samples (bad ones left out), from the signal at `start` to the signal at `end`
    (interpolated from the samples around them, within NEIGHBOUR of each)."""
    return _integrate(line, start, end, None)[0]


NEIGHBOUR = timedelta(hours=1)  # a longer gap in the outlet's data counts as no flow


def _usable(points: list[Any], per_hour: float) -> list[tuple[datetime, float]]:
    return [
        (p.ts, float(p.value) * per_hour / 3600.0)  # kg/s
        for p in points
        if p.quality != "bad" and p.value is not None and p.value == p.value
    ]


def _flow_points(tag: Tag, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """The outlet's usable samples in [start, end), with the last one before and the first
    one from `end` on (so the window's edges are interpolated)."""
    per_hour = MASS_FLOW_KG_PER_H[tag.unit]
    before = read(tag, ReadSpec(start=start - NEIGHBOUR, end=start, mode="raw"))
    points = _usable(before.points, per_hour)[-1:]  # type: ignore[union-attr]
    spec = ReadSpec(start=start, end=end, mode="raw", limit=200_000)
    while True:
        series = read(tag, spec)
        points += _usable(series.points, per_hour)  # type: ignore[union-attr]
        cut = getattr(series, "next_start", None)
        if cut is None:
            break
        spec = replace(spec, start=cut)
    after = read(tag, ReadSpec(start=end, end=end + NEIGHBOUR, mode="raw", limit=1))
    return points + _usable(after.points, per_hour)[:1]  # type: ignore[union-attr]


def _integrate(
    line: Line, start: datetime, end: datetime, target_kg: float | None
) -> tuple[float, datetime | None]:
    """The mass in [start, end), and when it first reached `target_kg` (None if not)."""
    assert line.outlet_tag_id is not None
    tag = Tag.objects.get(pk=line.outlet_tag_id)
    points = _flow_points(tag, start, end)
    total = 0.0
    for (t0, f0), (t1, f1) in pairwise(points):
        span = (t1 - t0).total_seconds()
        # The part of the segment inside the window, the flow at its ends interpolated.
        a, b = max(t0, start), min(t1, end)
        if b <= a or span <= 0:
            continue
        fa = f0 + (f1 - f0) * (a - t0).total_seconds() / span
        fb = f0 + (f1 - f0) * (b - t0).total_seconds() / span
        width = (b - a).total_seconds()
        piece = (fa + fb) / 2 * width
        if target_kg is not None and total + piece >= target_kg:
            return target_kg, a + timedelta(seconds=_reach(fa, fb, width, target_kg - total))
        total += piece
    return total, None


def _reach(fa: float, fb: float, width: float, need: float) -> float:
    """Seconds into a segment (flow fa → fb, linear, over `width` s) until `need` kg passed:
    the root of fa·τ + (fb − fa)/(2·width)·τ² = need."""
    a, b = (fb - fa) / (2 * width), fa
    if abs(a) < 1e-15:
        return need / b if b else width
    return min(width, (-b + math.sqrt(max(0.0, b * b + 4 * a * need))) / (2 * a))


def close_filled_batches(now: datetime | None = None) -> list[Batch]:
    """Close every running quantity batch whose planned quantity has left the line, at the
    moment it did (the scheduler runs this every minute)."""
    now = now or timezone.now()
    closed = []
    running = Batch.objects.filter(
        batch_definition=BatchDefinition.QUANTITY, status=BatchStatus.IN_PROGRESS
    ).select_related("line")
    for batch in running:
        assert batch.planned_quantity is not None
        target = batch.planned_quantity * MASS_KG[batch.unit]
        reached, at = _integrate(batch.line, batch.start, now, target)
        if at is None:
            continue
        with (
            transaction.atomic(),
            audit_context(
                actor=SCHEDULER,
                reason=f"planned quantity {batch.planned_quantity:g} {batch.unit} reached",
            ),
        ):
            locked = Batch.objects.select_for_update().select_related("line").get(pk=batch.pk)
            if locked.status != BatchStatus.IN_PROGRESS:
                continue
            BATCH_STATES.move(locked, BatchStatus.CLOSED)
            locked.end = at
            locked.actual_quantity = round(reached / MASS_KG[locked.unit], 6)
            _save_window(locked)
        closed.append(locked)
    return closed
