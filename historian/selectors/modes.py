"""The four read modes of API.md ("Historian"), typed: datetimes and numbers in, dataclasses of
datetimes and numbers out. JSON is the API's business (historian/api/values.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.dbsql import reading_cursor
from historian import sql
from historian.models import Tag
from historian.selectors.buckets import (
    LEVELS,
    Numbering,
    bucket_edges,
    floor_to,
    rollups_allowed,
    summaries,
)
from historian.selectors.rows import (
    Point,
    apply_corrections,
    corrections_touch,
    neighbour,
    raw_points,
)
from historian.selectors.spec import MAX_BUCKETS, ReadSpec, too_many
from historian.selectors.summary import Summary, twa, value_at

MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class RawSeries:
    points: list[Point]
    next_start: datetime | None = None  # set when `limit` cut the window short: read on from it


@dataclass(frozen=True)
class InterpolatedSeries:
    points: list[Point]


@dataclass(frozen=True)
class Bucket:
    ts: datetime  # where the bucket begins
    aggregates: dict[str, float | int | None]  # in the order asked
    bad_count: int
    uncertain_count: int


@dataclass(frozen=True)
class AggregateSeries:
    buckets: list[Bucket]
    source: str  # "rollups:hour", "rollups:minute" or "raw"


@dataclass(frozen=True)
class PlotInterval:
    """One plot interval. An interval holding only bad samples (left out) has count 0, no
    values and its bad_count, so a chart can mark where bad data lies."""

    ts: datetime
    count: int
    first: float | None
    first_ts: datetime | None
    last: float | None
    last_ts: datetime | None
    min: float | None
    min_ts: datetime | None
    max: float | None
    max_ts: datetime | None
    bad_count: int
    uncertain_count: int

    @classmethod
    def of(cls, ts: datetime, s: Summary) -> PlotInterval:
        return cls(
            ts, s.n, s.first, s.first_ts, s.last, s.last_ts, s.min, s.min_ts, s.max, s.max_ts,
            s.bad, s.uncertain,
        )  # fmt: skip


@dataclass(frozen=True)
class PlotSeries:
    intervals: list[PlotInterval]  # intervals without any sample are left out
    source: str
    interval: timedelta
    origin: datetime  # intervals are [origin + k·interval, origin + (k+1)·interval) in the window


Series = RawSeries | InterpolatedSeries | AggregateSeries | PlotSeries


def read(tag: Tag, spec: ReadSpec) -> Series:
    if spec.mode == "raw":
        return read_raw(tag, spec)
    if spec.mode == "interpolated":
        return read_interpolated(tag, spec)
    if spec.mode == "aggregate":
        return read_aggregate(tag, spec)
    return read_plot(tag, spec)


def read_raw(tag: Tag, spec: ReadSpec) -> RawSeries:
    points = raw_points(tag, spec.start, spec.end, spec.limit + 1)
    end, next_start = spec.end, None
    if len(points) > spec.limit:  # cut short: this page ends after its last stored sample
        points = points[: spec.limit]
        end = next_start = points[-1].ts + MICROSECOND
    points = apply_corrections(tag, points, spec.start, end, spec.apply_corrections)
    return RawSeries(points, next_start)


def _usable(point: Point, include_bad: bool) -> bool:
    if point.quality == "bad" and not include_bad:
        return False
    value = point.value
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


# From this interval on, interpolation probes the index for each moment (two probes) instead
# of reading every stored row of the window.
PROBE_FROM = timedelta(seconds=60)


def read_interpolated(tag: Tag, spec: ReadSpec) -> InterpolatedSeries:
    assert spec.interval is not None
    times = []
    at = spec.start
    while at < spec.end:
        times.append(at)
        at += spec.interval
        if len(times) > MAX_BUCKETS:
            raise too_many("points")
    overlay = spec.apply_corrections and corrections_touch(tag, spec.start, spec.end)
    if spec.interval >= PROBE_FROM:
        pairs = _probed(tag, spec, times, corrected=overlay)
    else:
        pairs = _walked(tag, spec, times)
    numeric = tag.value_type in {"float", "int"}
    out: list[Point] = []
    for at, (current, nxt) in zip(times, pairs, strict=True):
        if current is None:
            continue
        if current.ts == at or not numeric or tag.step or nxt is None:
            out.append(Point(at, current.value, current.quality))
            continue
        value = value_at((current.ts, float(current.value)), (nxt.ts, float(nxt.value)), at,
                         False)  # fmt: skip
        qualities = (current.quality, nxt.quality)
        quality = (
            "uncertain"
            if "uncertain" in qualities
            else ("good" if qualities == ("good", "good") else current.quality)
        )
        out.append(Point(at, value, quality))
    return InterpolatedSeries(out)


Around = tuple[Point | None, Point | None]  # the usable sample at or before a moment, and after


def _walked(tag: Tag, spec: ReadSpec, times: list[datetime]) -> list[Around]:
    """Each moment's neighbours from the window's stored rows (corrections applied when
    asked), walked in order."""
    points = raw_points(tag, spec.start, spec.end)
    points = apply_corrections(tag, points, spec.start, spec.end, spec.apply_corrections)
    usable = [p for p in points if _usable(p, spec.include_bad)]
    before = neighbour(tag, spec.start, before=True, include_bad=spec.include_bad)
    after = neighbour(tag, spec.end, before=False, include_bad=spec.include_bad)
    series = ([before] if before else []) + usable + ([after] if after else [])
    found: list[Around] = []
    j = 0
    for at in times:
        while j + 1 < len(series) and series[j + 1].ts <= at:
            j += 1
        if series and series[j].ts <= at:
            found.append((series[j], series[j + 1] if j + 1 < len(series) else None))
        else:
            found.append((None, None))
    return found


def _probed(
    tag: Tag, spec: ReadSpec, times: list[datetime], *, corrected: bool = False
) -> list[Around]:
    """Each moment's neighbours by index probes inside PostgreSQL (with the corrections in
    the window applied when `corrected`)."""
    from historian.digest import stored_value
    from historian.quality import QUALITY_NAMES

    def point(ts: Any, num: Any, text: Any, quality: Any, by_correction: bool) -> Point | None:
        if ts is None:
            return None
        value = stored_value(tag.value_type, num, text)
        return Point(ts, value, QUALITY_NAMES[quality], corrected=by_correction)

    with reading_cursor() as cursor:
        params: dict[str, Any] = {"times": times, "tag": tag.pk, "include_bad": spec.include_bad,
                                  "start": spec.start, "end": spec.end,
                                  "numeric": tag.value_type != "string"}  # fmt: skip
        cursor.execute(
            sql.INTERPOLATION_PROBES_CORRECTED if corrected else sql.INTERPOLATION_PROBES, params
        )
        found: list[Around] = []
        for row in cursor.fetchall():
            current = point(*row[1:6])
            found.append((current, point(*row[6:11])) if current else (None, None))
        return found


def _edge_samples(
    tag: Tag, spec: ReadSpec
) -> tuple[tuple[datetime, float] | None, tuple[datetime, float] | None]:
    """The last usable sample before the window and the first after it."""
    if tag.value_type == "string":
        return None, None
    before = neighbour(tag, spec.start, before=True, include_bad=spec.include_bad)
    after = neighbour(tag, spec.end, before=False, include_bad=spec.include_bad)
    return (
        (before.ts, float(before.value)) if before else None,
        (after.ts, float(after.value)) if after else None,
    )


def _neighbours(
    summaries: list[Summary],
    before: tuple[datetime, float] | None,
    after: tuple[datetime, float] | None,
) -> tuple[list[tuple[datetime, float] | None], list[tuple[datetime, float] | None]]:
    """For each bucket, the last usable sample before it and the first usable one after it."""
    befores: list[tuple[datetime, float] | None] = []
    last = before
    for s in summaries:
        befores.append(last)
        if s.n and s.last_ts is not None and s.last is not None:
            last = (s.last_ts, s.last)
    afters: list[tuple[datetime, float] | None] = [None] * len(summaries)
    nxt = after
    for k in range(len(summaries) - 1, -1, -1):
        afters[k] = nxt
        s = summaries[k]
        if s.n and s.first_ts is not None and s.first is not None:
            nxt = (s.first_ts, s.first)
    return befores, afters


def _aggregate(
    name: str,
    s: Summary,
    window: tuple[datetime, datetime],
    around: tuple[tuple[datetime, float] | None, tuple[datetime, float] | None],
    step: bool,
) -> float | int | None:
    if name == "twa":
        return twa(s, window[0], window[1], around[0], around[1], step)
    value: float | int | None = {
        "avg": s.avg,
        "min": s.min,
        "max": s.max,
        "count": s.n,
        "first": s.first,
        "last": s.last,
        "stddev": s.stddev,
    }[name]
    return value


def read_aggregate(tag: Tag, spec: ReadSpec) -> AggregateSeries:
    assert spec.interval is not None
    edges = bucket_edges(spec.start, spec.end, spec.interval, spec.tz)
    by_number, level = summaries(tag, spec, Numbering.of_edges(edges), LEVELS)
    bucketed = [by_number.get(k, Summary()) for k in range(1, len(edges))]
    befores, afters = _neighbours(bucketed, *_edge_samples(tag, spec))
    buckets = []
    for k, s in enumerate(bucketed):
        if not s.n and not spec.fill_null:
            continue  # empty, or only bad samples: nothing to summarise
        window = (max(edges[k], spec.start), min(edges[k + 1], spec.end))
        around = (befores[k], afters[k])
        values = {name: _aggregate(name, s, window, around, tag.step) for name in spec.aggregates}
        buckets.append(Bucket(edges[k], values, s.bad, s.uncertain))
    return AggregateSeries(buckets, f"rollups:{level}" if level else "raw")


@dataclass(frozen=True)
class PlotGrid:
    """Plot intervals [origin + k·step, origin + (k+1)·step) for k from 0, cut to the window;
    `level`: the coarsest rollups that may answer (None: the stored rows)."""

    origin: datetime
    step: timedelta
    level: str | None


def _plot_grid(tag: Tag, spec: ReadSpec) -> PlotGrid:
    """At most `points` intervals from `start`: whole minutes or hours where rollups may
    answer, counted from the minute or hour the window starts in (so every edge inside the
    window falls on one; the first interval is cut short when the window starts off it)."""
    step = max((spec.end - spec.start) / spec.points, MICROSECOND)
    if rollups_allowed(tag):
        for level, unit in LEVELS:
            if 2 * step < unit:
                continue
            origin, whole = floor_to(spec.start, unit), math.ceil(step / unit) * unit
            while math.ceil((spec.end - origin) / whole) > spec.points:
                whole += unit  # the cut first interval may add one: never more than `points`
            return PlotGrid(origin, whole, level)
    return PlotGrid(spec.start, math.ceil(step / MICROSECOND) * MICROSECOND, None)


def read_plot(tag: Tag, spec: ReadSpec) -> PlotSeries:
    """At most `points` intervals from `start`, each with its first, last, min and max."""
    grid = _plot_grid(tag, spec)
    edges = [spec.start]
    while edges[-1] < spec.end:
        edges.append(min(grid.origin + len(edges) * grid.step, spec.end))
    levels = LEVELS[[level for level, _ in LEVELS].index(grid.level) :] if grid.level else ()
    by_number, answered = summaries(tag, spec, Numbering.of_grid(grid.origin, grid.step), levels)
    intervals = [
        PlotInterval.of(edges[k - 1], s)
        for k, s in sorted(by_number.items())
        if (s.n or s.bad) and 0 < k < len(edges)
    ]
    source = f"rollups:{answered}" if answered else "raw"
    return PlotSeries(intervals, source, grid.step, grid.origin)
