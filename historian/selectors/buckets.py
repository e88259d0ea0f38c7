"""Buckets of a window and their summaries, reduced inside PostgreSQL.

Plots and aggregates read the minute or hour rollups for the whole minutes or hours of their
window, with the bad samples added where bad samples are asked back
(sql.bad_samples_per_bucket); the window's ends off whole minutes, text tags, and (with
corrections applied) the stretches corrections cover are reduced from the stored or
corrected rows (sql.summaries_from). Every path gives a Summary per bucket
(historian/selectors/summary.py) by the one arithmetic: Summary.merge in Python,
sql.merged_minutes and the same reductions in PostgreSQL; summaries_from_points is that
arithmetic over points, which the tests hold every SQL path to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from core.dbsql import reading_cursor
from historian import sql
from historian.models import Tag
from historian.selectors.rows import Point, corrected_stretches
from historian.selectors.spec import MAX_BUCKETS, ReadSpec, too_many
from historian.selectors.summary import Summary

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LEVELS = (("hour", timedelta(hours=1)), ("minute", timedelta(minutes=1)))

_use_rollups: ContextVar[bool] = ContextVar("historian_use_rollups", default=True)


def rollups_enabled() -> bool:
    """False inside `rollups_disabled()`."""
    return _use_rollups.get()


@contextmanager
def rollups_disabled() -> Iterator[None]:
    """Inside, every read summarises raw points: tests and benchmarks compare the two paths."""
    token = _use_rollups.set(False)
    try:
        yield
    finally:
        _use_rollups.reset(token)


def bucket_edges(
    start: datetime, end: datetime, interval: timedelta, tz: ZoneInfo | None
) -> list[datetime]:
    """Bucket boundaries covering [start, end): aligned to the UTC epoch, or to local
    midnight and hours in `tz` (a day bucket across a DST change lasts 23 or 25 hours)."""
    seconds = int(interval.total_seconds())
    if tz is None:
        first = EPOCH + timedelta(seconds=((start - EPOCH).total_seconds() // seconds) * seconds)
        edges = [first]
        while edges[-1] < end:
            edges.append(edges[-1] + interval)
            if len(edges) > MAX_BUCKETS:
                raise too_many("buckets")
        return edges
    local = start.astimezone(tz).replace(tzinfo=None)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if seconds % 86400 == 0:
        days = seconds // 86400
        offset = (local.date() - date(1970, 1, 1)).days % days
        first_local = day_start - timedelta(days=offset)
    else:
        into_day = (local - day_start).total_seconds()
        first_local = day_start + timedelta(seconds=(into_day // seconds) * seconds)
    edges = []
    wall = first_local
    while True:
        edge = wall.replace(tzinfo=tz).astimezone(UTC)
        if not edges or edge > edges[-1]:
            edges.append(edge)
        if edge >= end:
            break
        wall = wall + interval
        if len(edges) > MAX_BUCKETS:
            raise too_many("buckets")
    return edges


def aligned(moment: datetime, unit: timedelta) -> bool:
    return (moment - EPOCH) % unit == timedelta(0)


def rollups_allowed(tag: Tag) -> bool:
    """Rollups summarise the originals without bad samples of number tags: a read asking bad
    samples back adds them, one applying corrections reads the corrected stretches from the
    rows (summaries)."""
    return _use_rollups.get() and tag.value_type != "string"


def floor_to(moment: datetime, unit: timedelta) -> datetime:
    return moment - (moment - EPOCH) % unit


def ceil_to(moment: datetime, unit: timedelta) -> datetime:
    below = floor_to(moment, unit)
    return below if below == moment else below + unit


def summaries_with_rollups(
    tag: Tag,
    edges: list[datetime],
    start: datetime,
    end: datetime,
    include_bad: bool,
    levels: tuple[tuple[str, timedelta], ...] = LEVELS,
) -> tuple[list[Summary], str | None]:
    """A Summary of each bucket between `edges` over [start, end), and the coarsest rollups
    that answered (None: the stored rows alone). The whole hours (minutes) of the window
    come from the rollups where every bucket edge inside falls on them; the stretches before
    and after them — a window off whole hours or minutes — from the finer rollups, and
    finally the stored rows, merged in time order into their buckets."""
    for i, (level, unit) in enumerate(levels):
        inside_from, inside_to = ceil_to(start, unit), floor_to(end, unit)
        if inside_from >= inside_to or not all(aligned(e, unit) for e in edges[1:-1]):
            continue
        out = summaries_from_rollups(tag, edges, inside_from, inside_to, level, include_bad)
        finer = levels[i + 1 :]
        if start < inside_from:
            head, _ = summaries_with_rollups(tag, edges, start, inside_from, include_bad, finer)
            out = [a.merge(b) for a, b in zip(head, out, strict=True)]
        if inside_to < end:
            tail, _ = summaries_with_rollups(tag, edges, inside_to, end, include_bad, finer)
            out = [a.merge(b) for a, b in zip(out, tail, strict=True)]
        return out, level
    return summaries_from_samples(tag, edges, start, end, include_bad), None


def summaries_from_points(
    points: list[Point], edges: list[datetime], start: datetime, end: datetime, include_bad: bool
) -> list[Summary]:
    out = [Summary() for _ in range(len(edges) - 1)]
    i = 0
    for point in points:
        if not start <= point.ts < end:
            continue
        while i + 1 < len(edges) - 1 and point.ts >= edges[i + 1]:
            i += 1
        bad = point.quality == "bad"
        number = point.number
        if bad and not include_bad:
            piece = Summary.of_bad()
        elif number is None:
            piece = Summary.of_bad() if bad else Summary()
        else:
            piece = Summary.of(point.ts, number, uncertain=point.quality == "uncertain", bad=bad)
        out[i] = out[i].merge(piece)
    return out


def summaries(tag: Tag, spec: ReadSpec, edges: list[datetime]) -> tuple[list[Summary], str | None]:
    """A Summary of each bucket between `edges` over the read's window, and the coarsest
    rollups that answered (None: the rows alone), all reduced inside PostgreSQL. With
    corrections applied, each stretch a correction covers is read from the corrected rows
    and the stretches between from the rollups (summaries_with_rollups), merged in time
    order into their buckets."""
    covered = corrected_stretches(tag, spec.start, spec.end) if spec.apply_corrections else []
    parts, level, at = [], None, spec.start
    for begin, finish in [*covered, (spec.end, spec.end)]:
        if at < begin:
            if rollups_allowed(tag):
                part, used = summaries_with_rollups(tag, edges, at, begin, spec.include_bad)
                level = level or used
            else:
                part = summaries_from_samples(tag, edges, at, begin, spec.include_bad)
            parts.append(part)
        if begin < finish:
            parts.append(
                summaries_from_samples(tag, edges, begin, finish, spec.include_bad, corrected=True)
            )
        at = finish
    out = parts[0]
    for part in parts[1:]:
        out = [a.merge(b) for a, b in zip(out, part, strict=True)]
    return out, level


def summaries_from_samples(
    tag: Tag,
    edges: list[datetime],
    start: datetime,
    end: datetime,
    include_bad: bool,
    *,
    corrected: bool = False,
) -> list[Summary]:
    """A Summary of each bucket between `edges` from the stored rows in [start, end) — with
    corrections applied when `corrected` — reduced inside PostgreSQL (sql.summaries_from):
    what summaries_from_points makes of the same rows, without carrying them into Python."""
    out = [Summary() for _ in range(len(edges) - 1)]
    with reading_cursor() as cursor:
        cursor.execute(
            sql.SUMMARIES_CORRECTED if corrected else sql.SUMMARIES_FROM_SAMPLES,
            {"edges": edges, "tag": tag.pk, "start": start, "end": end,
             "include_bad": include_bad, "numeric": tag.value_type != "string"},
        )  # fmt: skip
        for row in cursor.fetchall():
            k = int(row[0]) - 1  # buckets are numbered from 1
            if 0 <= k < len(out):
                out[k] = _summary(row)
    return out


def _summary(row: tuple[Any, ...]) -> Summary:
    """A Summary from a row of sql.rollups_per_bucket (after its bucket number)."""
    (n, total, sumsq, low, low_ts, high, high_ts, first, first_ts, last, last_ts) = row[1:12]
    return Summary(
        n=n,
        sum=total or 0.0,
        sumsq=sumsq or 0.0,
        min=low,
        min_ts=low_ts,
        max=high,
        max_ts=high_ts,
        first=first,
        first_ts=first_ts,
        last=last,
        last_ts=last_ts,
        int_linear=row[12] or 0.0,
        int_step=row[13] or 0.0,
        bad=row[14],
        uncertain=row[15],
    )


def minutes_owed(cursor: Any, params: dict[str, Any]) -> bool:
    """Whether the rollups owe a minute of the tag in [start, end) (historian.rollups): then
    the read recomputes it (sql.live_minutes); else the stored rollups answer alone. A minute
    owed after this check belongs to samples stored after the read began."""
    cursor.execute(sql.OWED, params)
    return bool(cursor.fetchone()[0])


def bad_samples(cursor: Any, bucket_number: str, params: dict[str, Any]) -> dict[int, Summary]:
    """What the bad samples add to each bucket (numbered from 1) of the rollups' summaries:
    Summary.with_bad takes it. TimescaleDB's runtime chunk exclusion is off for the
    statement: it would weigh every chunk of the window for each neighbour probed (about
    100 µs a probe over 30 daily chunks, against 20 µs for the ordered scan that stops at the
    first chunk holding the neighbour)."""
    with transaction.atomic(savepoint=False):
        cursor.execute("SET LOCAL timescaledb.enable_runtime_exclusion = off")
        cursor.execute(sql.bad_samples_per_bucket(bucket_number), params)
        rows = cursor.fetchall()
        cursor.execute("SET LOCAL timescaledb.enable_runtime_exclusion = on")
    return {int(row[0]): _summary((*row, 0, 0)) for row in rows}


def summaries_from_rollups(
    tag: Tag,
    edges: list[datetime],
    start: datetime,
    end: datetime,
    level: str,
    include_bad: bool = False,
) -> list[Summary]:
    """A Summary of each bucket between `edges` from the `level` rollups in [start, end),
    with the bad samples added when asked back."""
    out = [Summary() for _ in range(len(edges) - 1)]
    params: dict[str, Any] = {"edges": edges, "tag": tag.pk, "start": start, "end": end}
    with reading_cursor() as cursor:
        owed = minutes_owed(cursor, params)
        cursor.execute(sql.rollups_per_bucket(level, sql.BY_EDGES, owed=owed), params)
        for row in cursor.fetchall():
            k = int(row[0]) - 1  # buckets are numbered from 1
            if 0 <= k < len(out):
                out[k] = _summary(row)
        if include_bad:
            for k, bad in bad_samples(cursor, sql.BY_EDGES, params).items():
                if 0 < k <= len(out):
                    out[k - 1] = out[k - 1].with_bad(bad)
    return out
