"""Buckets of a window and their summaries, reduced inside PostgreSQL.

Plots and aggregates read the minute or hour rollups for the whole minutes or hours of their
window (with the bad samples' values counted in where bad samples are asked back:
sql.stored_rollups); the window's ends off whole minutes, text tags, and (with
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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
    """Rollups summarise the originals of number tags (without bad samples, and with them
    where a bucket holds any): one applying corrections reads the corrected stretches from the
    rows (summaries)."""
    return _use_rollups.get() and tag.value_type != "string"


def floor_to(moment: datetime, unit: timedelta) -> datetime:
    return moment - (moment - EPOCH) % unit


def ceil_to(moment: datetime, unit: timedelta) -> datetime:
    below = floor_to(moment, unit)
    return below if below == moment else below + unit


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


@dataclass(frozen=True)
class Numbering:
    """How the reads number a window's buckets from 1 inside PostgreSQL: among explicit edges
    (aggregates) or on a grid of equal steps from an origin (plots); which columns of each
    bucket they take; and the parameters that go with them."""

    by: str  # sql.BY_EDGES or sql.BY_STEP
    params: dict[str, Any]
    columns: str  # sql.SUMMARY_COLUMNS or sql.PLOT_COLUMNS
    edges: tuple[datetime, ...] = ()  # BY_EDGES: every bucket's edges
    step: timedelta | None = None  # BY_STEP: the grid's step from params["origin"]

    @classmethod
    def of_edges(cls, edges: list[datetime]) -> Numbering:
        return cls(sql.BY_EDGES, {"edges": edges}, sql.SUMMARY_COLUMNS, edges=tuple(edges))

    @classmethod
    def of_grid(cls, origin: datetime, step: timedelta) -> Numbering:
        params = {"origin": origin, "step": step.total_seconds()}
        return cls(sql.BY_STEP, params, sql.PLOT_COLUMNS, step=step)

    def falls_on(self, unit: timedelta) -> bool:
        """Whether every bucket edge inside a window falls on whole `unit`s."""
        if self.step is not None:
            return aligned(self.params["origin"], unit) and self.step % unit == timedelta(0)
        return all(aligned(e, unit) for e in self.edges[1:-1])

    def summary(self, row: tuple[Any, ...]) -> Summary:
        """A bucket's Summary from a row of these columns (after its number)."""
        if self.columns == sql.SUMMARY_COLUMNS:
            return _summary(row)
        return Summary(
            n=row[1], first=row[2], first_ts=row[3], last=row[4], last_ts=row[5], min=row[6],
            min_ts=row[7], max=row[8], max_ts=row[9], bad=row[10], uncertain=row[11],
        )  # fmt: skip

    def from_rows(self, *, corrected: bool) -> str:
        if self.columns == sql.SUMMARY_COLUMNS:
            return sql.SUMMARIES_CORRECTED if corrected else sql.SUMMARIES_FROM_SAMPLES
        return sql.PLOT_CORRECTED if corrected else sql.PLOT_FROM_SAMPLES


Buckets = dict[int, Summary]  # the buckets holding samples, by number from 1


def summaries(
    tag: Tag, spec: ReadSpec, numbering: Numbering, levels: tuple[tuple[str, timedelta], ...]
) -> tuple[Buckets, str | None]:
    """The buckets of the read's window, all reduced inside PostgreSQL, and the coarsest
    rollups that answered (None: the rows alone). With corrections applied, each stretch a
    correction covers comes from the corrected rows; the stretches between from the rollups
    of `levels` (stretch_summaries); merged in time order into their buckets."""
    covered = corrected_stretches(tag, spec.start, spec.end) if spec.apply_corrections else []
    parts, level, at = [], None, spec.start
    for begin, finish in [*covered, (spec.end, spec.end)]:
        if at < begin:
            part, used = stretch_summaries(tag, spec, numbering, (at, begin), levels)
            parts.append(part)
            level = level or used
        if begin < finish:
            parts.append(_from_rows(tag, spec, numbering, (begin, finish), corrected=True))
        at = finish
    return _merged(parts), level


def stretch_summaries(
    tag: Tag,
    spec: ReadSpec,
    numbering: Numbering,
    window: tuple[datetime, datetime],
    levels: tuple[tuple[str, timedelta], ...],
) -> tuple[Buckets, str | None]:
    """The buckets of `window` as stored: its whole hours (minutes) from the rollups where
    every bucket edge inside falls on them (with the bad samples' values counted in when asked
    back); the stretches before and after them — a window off whole
    hours or minutes — from the finer rollups, and finally the stored rows."""
    start, end = window
    for i, (level, unit) in enumerate(levels if rollups_allowed(tag) else ()):
        inside_from, inside_to = ceil_to(start, unit), floor_to(end, unit)
        if inside_from >= inside_to or not numbering.falls_on(unit):
            continue
        params = {**numbering.params, "tag": tag.pk, "start": inside_from, "end": inside_to}
        with reading_cursor() as cursor:
            owed = minutes_owed(cursor, params)
            cursor.execute(
                sql.rollups_per_bucket(
                    level, numbering.by, numbering.columns,
                    owed=owed, include_bad=spec.include_bad,
                ),
                params,
            )  # fmt: skip
            inside = {int(row[0]): numbering.summary(row) for row in cursor.fetchall()}
        finer, parts = levels[i + 1 :], [inside]
        if start < inside_from:
            parts.insert(0, stretch_summaries(tag, spec, numbering, (start, inside_from), finer)[0])
        if inside_to < end:
            parts.append(stretch_summaries(tag, spec, numbering, (inside_to, end), finer)[0])
        return _merged(parts), level
    return _from_rows(tag, spec, numbering, window, corrected=False), None


def _from_rows(
    tag: Tag,
    spec: ReadSpec,
    numbering: Numbering,
    window: tuple[datetime, datetime],
    *,
    corrected: bool,
) -> Buckets:
    """The buckets of `window` from the stored rows (with corrections applied when
    `corrected`), reduced inside PostgreSQL (sql.summaries_from, sql.plot_from): what
    summaries_from_points makes of the same rows, without carrying them into Python."""
    params = {**numbering.params, "tag": tag.pk, "start": window[0], "end": window[1],
              "include_bad": spec.include_bad, "numeric": tag.value_type != "string"}  # fmt: skip
    with reading_cursor() as cursor:
        cursor.execute(numbering.from_rows(corrected=corrected), params)
        return {int(row[0]): numbering.summary(row) for row in cursor.fetchall()}


def _merged(parts: list[Buckets]) -> Buckets:
    """The buckets of consecutive stretches (earlier first) merged."""
    merged: Buckets = {}
    for part in parts:
        for k, summary in part.items():
            merged[k] = merged[k].merge(summary) if k in merged else summary
    return merged


def _summary(row: tuple[Any, ...]) -> Summary:
    """A Summary from a row in sql.SUMMARY_COLUMNS' shape (after its bucket number)."""
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
