"""Reads of the sample store: raw, interpolated, aggregate, plot and current (API.md).

Long plots and aggregates read the per-minute rollups; everything else, and
any read that applies corrections or includes bad samples, reads raw rows.
Both paths build the same Summary arithmetic (historian.summary).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection

from audit.canonical import format_ts
from historian.digest import QUALITY_NAMES, stored_value
from historian.errors import HistorianError
from historian.ingest import parse_ts
from historian.models import Correction, Tag
from historian.summary import Summary, twa, value_at

MODES = ("raw", "interpolated", "aggregate", "plot")
AGGREGATES = ("avg", "min", "max", "twa", "count", "first", "last", "stddev")
_INTERVAL = re.compile(r"^([1-9]\d{0,6})([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_BUCKETS = 100_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@dataclass
class ReadParams:
    start: datetime
    end: datetime
    mode: str = "raw"
    interval: timedelta | None = None
    interval_text: str = ""
    tz: ZoneInfo | None = None
    limit: int = 100_000
    points: int = 1000
    aggregates: tuple[str, ...] = ("avg", "min", "max", "count")
    include_bad: bool = False
    fill_null: bool = False
    apply_corrections: bool = False
    warnings: list[str] = field(default_factory=list)


def _bool(value: str, name: str) -> bool:
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no", ""}:
        return False
    raise HistorianError(f"{name} is true or false", fields={name: "not a boolean"})


def parse_params(query: Any) -> ReadParams:
    """ReadParams from a query dict; a bad parameter is a 400 naming it."""
    fields: dict[str, str] = {}
    times: dict[str, datetime] = {}
    for name in ("start", "end"):
        value = query.get(name)
        if not value:
            fields[name] = "required"
            continue
        parsed = parse_ts(value)
        if isinstance(parsed, str):
            fields[name] = parsed
        else:
            times[name] = parsed[0]
    if fields:
        raise HistorianError(
            "start and end are required ISO 8601 timestamps with an offset", fields=fields
        )
    params = ReadParams(start=times["start"], end=times["end"])
    if params.start >= params.end:
        raise HistorianError("start must be before end", fields={"end": "not after start"})
    params.mode = query.get("mode", "raw")
    if params.mode not in MODES:
        raise HistorianError(f"mode is one of {', '.join(MODES)}", fields={"mode": "unknown"})
    interval = query.get("interval")
    if interval:
        match = _INTERVAL.match(interval)
        if not match:
            raise HistorianError(
                "interval is an integer with s, m, h or d (60s, 5m, 1d)",
                fields={"interval": "invalid"},
            )
        params.interval = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
        params.interval_text = interval
    elif params.mode in {"interpolated", "aggregate"}:
        raise HistorianError(
            f"mode={params.mode} needs an interval", fields={"interval": "required"}
        )
    if query.get("tz"):
        try:
            params.tz = ZoneInfo(query["tz"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise HistorianError(
                "tz is an IANA time zone name, e.g. Europe/Zurich", fields={"tz": "unknown"}
            ) from exc
    for name, low, high in (("limit", 1, 1_000_000), ("points", 1, 20_000)):
        if query.get(name):
            try:
                value = int(query[name])
            except ValueError as exc:
                raise HistorianError(f"{name} is an integer", fields={name: "invalid"}) from exc
            if not low <= value <= high:
                raise HistorianError(
                    f"{name} is between {low} and {high}", fields={name: "out of range"}
                )
            setattr(params, name, value)
    if query.get("aggregates"):
        wanted = tuple(a.strip() for a in query["aggregates"].split(",") if a.strip())
        unknown = [a for a in wanted if a not in AGGREGATES]
        if unknown:
            raise HistorianError(
                f"unknown aggregate(s) {', '.join(unknown)}; one of {', '.join(AGGREGATES)}",
                fields={"aggregates": "unknown"},
            )
        params.aggregates = wanted
    params.include_bad = _bool(query.get("include_bad", ""), "include_bad")
    fill = query.get("fill", "")
    if fill not in ("", "null"):
        raise HistorianError("fill is null or absent", fields={"fill": "invalid"})
    params.fill_null = fill == "null"
    corrections = query.get("corrections", "")
    if corrections not in ("", "apply"):
        raise HistorianError("corrections is apply or absent", fields={"corrections": "invalid"})
    params.apply_corrections = corrections == "apply"
    return params


# --- raw rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    ts: datetime
    value: Any
    quality: str
    corrected: bool = False
    has_correction: bool = False


def _rows(tag: Tag, sql: str, params: list[Any]) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            Row(ts, stored_value(tag.value_type, num, text), QUALITY_NAMES[q])
            for ts, num, text, q in cursor.fetchall()
        ]


_SELECT = "SELECT ts, value_num, value_text, quality FROM historian_sample WHERE tag_id = %s "


def raw_rows(tag: Tag, start: datetime, end: datetime, limit: int | None = None) -> list[Row]:
    sql = _SELECT + "AND ts >= %s AND ts < %s ORDER BY ts"
    args: list[Any] = [tag.pk, start, end]
    if limit is not None:
        sql += " LIMIT %s"
        args.append(limit)
    return _rows(tag, sql, args)


def neighbour(tag: Tag, at: datetime, *, before: bool, include_bad: bool) -> Row | None:
    """The nearest usable sample strictly before `at`, or at/after it."""
    condition = "ts < %s ORDER BY ts DESC" if before else "ts >= %s ORDER BY ts"
    quality = "" if include_bad else "AND quality <> 2 "
    finite = (
        "AND (value_num IS NULL OR value_num NOT IN ('NaN', 'Infinity', '-Infinity')) "
        "AND (value_num IS NOT NULL OR value_text IS NOT NULL) "
    )
    rows = _rows(tag, _SELECT + quality + finite + "AND " + condition + " LIMIT 1", [tag.pk, at])
    return rows[0] if rows else None


def apply_corrections(
    tag: Tag, rows: list[Row], start: datetime, end: datetime, apply: bool
) -> list[Row]:
    """Flag originals under a correction, or (apply) put the corrected values in their place."""
    corrections = list(Correction.objects.filter(tag=tag, start__lt=end, end__gt=start))
    if not corrections:
        return rows
    covered = [(c.start, c.end) for c in corrections]

    def under(ts: datetime) -> bool:
        return any(a <= ts < b for a, b in covered)

    if not apply:
        return [
            Row(r.ts, r.value, r.quality, has_correction=True) if under(r.ts) else r for r in rows
        ]
    kept = [r for r in rows if not under(r.ts)]
    for correction in corrections:
        for item in correction.values:
            ts = datetime.fromisoformat(item["ts"])
            if start <= ts < end:
                value = item["value"]
                if isinstance(value, str) and tag.value_type != "string":
                    value = float(value)  # non-finite floats are kept as their repr
                kept.append(Row(ts, value, item.get("quality", "good"), corrected=True))
    return sorted(kept, key=lambda r: r.ts)


def _row_out(row: Row) -> dict[str, Any]:
    value = row.value
    if isinstance(value, float) and not math.isfinite(value):
        value = repr(value)  # JSON has no NaN: the canonical text
    out: dict[str, Any] = {"ts": format_ts(row.ts), "value": value, "quality": row.quality}
    if row.corrected:
        out["corrected"] = True
    if row.has_correction:
        out["has_correction"] = True
    return out


def read_raw(tag: Tag, p: ReadParams) -> dict[str, Any]:
    rows = raw_rows(tag, p.start, p.end, p.limit + 1)
    truncated = len(rows) > p.limit
    rows = rows[: p.limit]
    rows = apply_corrections(tag, rows, p.start, p.end, p.apply_corrections)
    body: dict[str, Any] = {"values": [_row_out(r) for r in rows]}
    if truncated:
        body["truncated"] = True
        body["next_start"] = format_ts(rows[-1].ts + timedelta(microseconds=1))
    return body


def read_current(tag: Tag) -> dict[str, Any] | None:
    rows = _rows(tag, _SELECT + "ORDER BY ts DESC LIMIT 1", [tag.pk])
    return _row_out(rows[0]) if rows else None


# --- bucket grids -------------------------------------------------------------------------


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
                raise HistorianError(
                    "too many buckets: choose a longer interval",
                    fields={"interval": "too small for this range"},
                )
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
            raise HistorianError(
                "too many buckets: choose a longer interval",
                fields={"interval": "too small for this range"},
            )
    return edges


# --- summaries per bucket, from raw rows or from rollups ------------------------------------


def summaries_from_rows(
    rows: list[Row], edges: list[datetime], start: datetime, end: datetime, include_bad: bool
) -> list[Summary]:
    out = [Summary() for _ in range(len(edges) - 1)]
    i = 0
    for row in rows:
        if not start <= row.ts < end:
            continue
        while i + 1 < len(edges) - 1 and row.ts >= edges[i + 1]:
            i += 1
        if row.quality == "bad" and not include_bad:
            piece = Summary.of_bad()
        elif (
            row.value is None
            or isinstance(row.value, str)
            or (isinstance(row.value, float) and not math.isfinite(row.value))
        ):
            piece = Summary.of_bad() if row.quality == "bad" else Summary()
        else:
            piece = Summary.of(row.ts, float(row.value), uncertain=row.quality == "uncertain")
            if row.quality == "bad":
                piece = Summary(**{**piece.__dict__, "bad": 1})
        out[i] = out[i].merge(piece)
    return out


# The rollups of a tag, reduced per output bucket inside PostgreSQL: each bucket's
# minutes are merged exactly as Summary.merge would (the integral across the gap
# between two minutes of one bucket included), so Python only sees one row per bucket.
_ROLLUPS_PER_BUCKET = """
WITH minutes AS (
    SELECT {bucket_number} AS k, *
    FROM {table}
    WHERE tag_id = %(tag)s AND bucket >= %(start)s AND bucket < %(end)s
), linked AS (
    SELECT *, lag(last) OVER w AS prev_last, lag(last_ts) OVER w AS prev_last_ts,
           lag(k) OVER w AS prev_k
    FROM minutes WHERE n > 0
    WINDOW w AS (ORDER BY bucket)
), summaries AS (
    SELECT k, sum(n)::integer AS n, sum(sum) AS sum, sum(sumsq) AS sumsq,
           min(min) AS min, (array_agg(min_ts ORDER BY min, min_ts))[1] AS min_ts,
           max(max) AS max, (array_agg(max_ts ORDER BY max DESC, max_ts))[1] AS max_ts,
           (array_agg(first ORDER BY first_ts))[1] AS first, min(first_ts) AS first_ts,
           (array_agg(last ORDER BY last_ts DESC))[1] AS last, max(last_ts) AS last_ts,
           sum(int_linear) + coalesce(sum((prev_last + first) / 2
               * extract(epoch FROM first_ts - prev_last_ts)) FILTER (WHERE prev_k = k), 0)
               AS int_linear,
           sum(int_step) + coalesce(sum(prev_last * extract(epoch FROM first_ts - prev_last_ts))
               FILTER (WHERE prev_k = k), 0) AS int_step
    FROM linked GROUP BY k
), counts AS (
    SELECT k, sum(bad_count)::integer AS bad, sum(uncertain_count)::integer AS uncertain
    FROM minutes GROUP BY k
)
{select}
FROM counts c LEFT JOIN summaries s USING (k) ORDER BY c.k
"""
_SUMMARY_SELECT = """
SELECT c.k, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts, s.first,
       s.first_ts, s.last, s.last_ts, s.int_linear, s.int_step, c.bad, c.uncertain"""
_TS = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
# Plot output straight from SQL, timestamps already in the canonical text.
_PLOT_SELECT = f"""
SELECT c.k, coalesce(s.n, 0), s.first, {_TS.format("s.first_ts")}, s.last,
       {_TS.format("s.last_ts")}, s.min, {_TS.format("s.min_ts")}, s.max,
       {_TS.format("s.max_ts")}, c.bad, c.uncertain"""
ROLLUP_TABLES = {"minute": "historian_rollup", "hour": "historian_rollup_hour"}


def _summary(row: tuple[Any, ...]) -> Summary:
    return Summary(
        row[1],
        row[2] or 0.0,
        row[3] or 0.0,
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[12] or 0.0,
        row[13] or 0.0,
        row[14],
        row[15],
    )


BY_EDGES = "width_bucket(bucket, %(edges)s::timestamptz[])"
# Equal intervals (plots): the bucket's number by arithmetic, no edge list to search.
BY_STEP = "floor(extract(epoch FROM bucket - %(start)s) / %(step)s)::integer + 1"


def _rollup_sql(level: str, select: str, bucket_number: str = BY_EDGES) -> str:
    return _ROLLUPS_PER_BUCKET.format(
        table=ROLLUP_TABLES[level], select=select, bucket_number=bucket_number
    )


def summaries_from_rollups(
    tag: Tag, edges: list[datetime], start: datetime, end: datetime, level: str = "minute"
) -> list[Summary]:
    out = [Summary() for _ in range(len(edges) - 1)]
    with connection.cursor() as cursor:
        cursor.execute(
            _rollup_sql(level, _SUMMARY_SELECT),
            {"edges": edges, "tag": tag.pk, "start": start, "end": end},
        )
        for row in cursor.fetchall():
            k = int(row[0]) - 1  # width_bucket counts from 1 at the first edge
            if 0 <= k < len(out):
                out[k] = _summary(row)
    return out


def _aligned(moment: datetime, seconds: int) -> bool:
    return (moment - EPOCH).total_seconds() % seconds == 0


# Tests and benchmarks switch this off to compare the rollups with the raw rows.
USE_ROLLUPS = True


def rollups_allowed(tag: Tag, p: ReadParams) -> bool:
    """Rollups summarise the originals without bad samples: they answer unless bad samples are
    asked back, or corrections are applied and some correction touches the window."""
    if not USE_ROLLUPS or tag.value_type == "string" or p.include_bad:
        return False
    return not _corrections_touch(tag, p)


def rollup_level(tag: Tag, p: ReadParams, edges: list[datetime]) -> str | None:
    """Which rollups answer: hours or minutes when the window and every bucket edge fall on
    them and rollups are allowed at all; else None (raw rows)."""
    if not rollups_allowed(tag, p):
        return None
    for level, seconds in (("hour", 3600), ("minute", 60)):
        if all(_aligned(moment, seconds) for moment in (p.start, p.end, *edges)):
            return level
    return None


def _edge_samples(
    tag: Tag, start: datetime, end: datetime, include_bad: bool
) -> tuple[tuple[datetime, float] | None, tuple[datetime, float] | None]:
    if tag.value_type == "string":
        return None, None
    before = neighbour(tag, start, before=True, include_bad=include_bad)
    after = neighbour(tag, end, before=False, include_bad=include_bad)
    return (
        (before.ts, float(before.value)) if before else None,
        (after.ts, float(after.value)) if after else None,
    )


def bucket_summaries(
    tag: Tag, p: ReadParams, edges: list[datetime], level: str | None
) -> list[Summary]:
    if level is not None and tag.value_type != "string":
        return summaries_from_rollups(tag, edges, p.start, p.end, level)
    rows = raw_rows(tag, max(p.start, edges[0]), min(p.end, edges[-1]))
    rows = apply_corrections(tag, rows, p.start, p.end, p.apply_corrections)
    return summaries_from_rows(rows, edges, p.start, p.end, p.include_bad)


def _clip(edges: list[datetime], p: ReadParams, k: int) -> tuple[datetime, datetime]:
    return max(edges[k], p.start), min(edges[k + 1], p.end)


def _boundaries(
    summaries: list[Summary], before: tuple[datetime, float] | None
) -> list[tuple[datetime, float] | None]:
    """For each bucket, the last usable sample before it."""
    out: list[tuple[datetime, float] | None] = []
    last = before
    for summary in summaries:
        out.append(last)
        if summary.n:
            assert summary.last_ts is not None
            assert summary.last is not None
            last = (summary.last_ts, summary.last)
    return out


def _afters(
    summaries: list[Summary], after: tuple[datetime, float] | None
) -> list[tuple[datetime, float] | None]:
    """For each bucket, the first usable sample after it."""
    out: list[tuple[datetime, float] | None] = [None] * len(summaries)
    nxt = after
    for k in range(len(summaries) - 1, -1, -1):
        out[k] = nxt
        if summaries[k].n:
            first_ts, first = summaries[k].first_ts, summaries[k].first
            assert first_ts is not None
            assert first is not None
            nxt = (first_ts, first)
    return out


def read_aggregate(tag: Tag, p: ReadParams) -> dict[str, Any]:
    assert p.interval is not None
    edges = bucket_edges(p.start, p.end, p.interval, p.tz)
    level = rollup_level(tag, p, edges)
    summaries = bucket_summaries(tag, p, edges, level)
    before, after = _edge_samples(tag, p.start, p.end, p.include_bad)
    befores = _boundaries(summaries, before)
    afters = _afters(summaries, after)
    values = []
    for k, summary in enumerate(summaries):
        if not summary.n and not summary.bad and not p.fill_null:
            continue
        begin, finish = _clip(edges, p, k)
        out: dict[str, Any] = {"ts": format_ts(edges[k])}
        for name in p.aggregates:
            if name == "avg":
                out["avg"] = summary.avg
            elif name == "min":
                out["min"] = summary.min
            elif name == "max":
                out["max"] = summary.max
            elif name == "count":
                out["count"] = summary.n
            elif name == "first":
                out["first"] = summary.first
            elif name == "last":
                out["last"] = summary.last
            elif name == "stddev":
                out["stddev"] = summary.stddev
            elif name == "twa":
                out["twa"] = twa(summary, begin, finish, befores[k], afters[k], tag.step)
        out["bad_count"] = summary.bad
        out["uncertain_count"] = summary.uncertain
        if not summary.n and not p.fill_null:
            continue  # only bad samples: nothing to summarise
        values.append(out)
    return {"values": values, "source": f"rollups:{level}" if level else "raw"}


def read_plot(tag: Tag, p: ReadParams) -> dict[str, Any]:
    """At most `points` intervals from `start`, each with its first, last, min and max."""
    step = max((p.end - p.start) / p.points, timedelta(microseconds=1))
    level = None
    if rollups_allowed(tag, p):
        for name, unit in (("hour", timedelta(hours=1)), ("minute", MINUTE)):
            seconds = int(unit.total_seconds())
            # Rounding up to whole units may halve the intervals at most (still ≤ points).
            if 2 * step >= unit and _aligned(p.start, seconds) and _aligned(p.end, seconds):
                step, level = math.ceil(step / unit) * unit, name
                break
    if level is None:
        step = timedelta(microseconds=math.ceil(step / timedelta(microseconds=1)))
    edges = [p.start]
    while edges[-1] < p.end:
        edges.append(min(edges[-1] + step, p.end))
    if level is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                _rollup_sql(level, _PLOT_SELECT, BY_STEP),
                {"step": step.total_seconds(), "tag": tag.pk, "start": p.start, "end": p.end},
            )
            values = _plot_values(cursor.fetchall(), edges)
    elif tag.value_type != "string" and not _corrections_touch(tag, p):
        values = _plot_from_samples(tag, p, edges, step)
    else:
        values = _plot_values(
            [
                (
                    k + 1,
                    s.n,
                    s.first,
                    _ts_text(s.first_ts),
                    s.last,
                    _ts_text(s.last_ts),
                    s.min,
                    _ts_text(s.min_ts),
                    s.max,
                    _ts_text(s.max_ts),
                    s.bad,
                    s.uncertain,
                )
                for k, s in enumerate(bucket_summaries(tag, p, edges, None))
            ],
            edges,
        )
    return {
        "values": values,
        "source": f"rollups:{level}" if level else "raw",
        "interval_seconds": step.total_seconds(),
    }


# Plot intervals straight from the raw rows, reduced in PostgreSQL (TimescaleDB's first and
# last): used where rollups cannot answer (bad samples asked back, a window off whole minutes).
# Every aggregate takes plain types, so PostgreSQL may split it across parallel workers (an
# anonymous record, as in first(ts, (v, ts)), cannot be passed between them); the time of the
# minimum (maximum) is the earliest time at that value, as in the rollups.
_PLOT_ROWS = """
    SELECT floor(extract(epoch FROM ts - %(start)s) / %(step)s)::integer + 1 AS k, ts,
           value_num AS v, quality,
           (value_num IS NOT NULL AND value_num NOT IN ('NaN', 'Infinity', '-Infinity')
            AND (quality <> 2 OR %(include_bad)s)) AS usable
    FROM historian_sample
    WHERE tag_id = %(tag)s AND ts >= %(start)s AND ts < %(end)s
"""
_PLOT_AGGREGATES = f"""
       count(*) FILTER (WHERE usable),
       first(v, ts) FILTER (WHERE usable), {_TS.format("min(ts) FILTER (WHERE usable)")},
       last(v, ts) FILTER (WHERE usable), {_TS.format("max(ts) FILTER (WHERE usable)")},
       min(v) FILTER (WHERE usable), {_TS.format("min(ts) FILTER (WHERE usable AND v = vmin)")},
       max(v) FILTER (WHERE usable), {_TS.format("min(ts) FILTER (WHERE usable AND v = vmax)")},
       count(*) FILTER (WHERE quality = 2), count(*) FILTER (WHERE quality = 1)
"""
_PLOT_FROM_SAMPLES = f"""
WITH rows AS ({_PLOT_ROWS}), extremes AS (
    SELECT k, min(v) FILTER (WHERE usable) AS vmin, max(v) FILTER (WHERE usable) AS vmax
    FROM rows GROUP BY k
)
SELECT k, {_PLOT_AGGREGATES}
FROM rows JOIN extremes USING (k) GROUP BY k ORDER BY k
"""


def _corrections_touch(tag: Tag, p: ReadParams) -> bool:
    return (
        p.apply_corrections
        and Correction.objects.filter(tag=tag, start__lt=p.end, end__gt=p.start).exists()
    )


def _plot_from_samples(
    tag: Tag, p: ReadParams, edges: list[datetime], step: timedelta
) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _PLOT_FROM_SAMPLES,
            {
                "start": p.start,
                "end": p.end,
                "step": step.total_seconds(),
                "tag": tag.pk,
                "include_bad": p.include_bad,
            },
        )
        return _plot_values(cursor.fetchall(), edges)


def _ts_text(value: datetime | None) -> str | None:
    return format_ts(value) if value else None


def _plot_values(rows: Any, edges: list[datetime]) -> list[dict[str, Any]]:
    """Plot intervals from rows (k from 1, n, first, first_ts, last, last_ts, min, min_ts,
    max, max_ts, bad, uncertain); intervals without a usable sample are left out."""
    values = []
    for row in rows:
        k = int(row[0]) - 1
        if row[1] and 0 <= k < len(edges) - 1:
            values.append(
                {
                    "ts": format_ts(edges[k]),
                    "first": row[2],
                    "first_ts": row[3],
                    "last": row[4],
                    "last_ts": row[5],
                    "min": row[6],
                    "min_ts": row[7],
                    "max": row[8],
                    "max_ts": row[9],
                    "count": row[1],
                    "bad_count": row[10],
                    "uncertain_count": row[11],
                }
            )
    return values


def read_interpolated(tag: Tag, p: ReadParams) -> dict[str, Any]:
    assert p.interval is not None
    rows = raw_rows(tag, p.start, p.end)
    rows = apply_corrections(tag, rows, p.start, p.end, p.apply_corrections)
    usable = [
        r
        for r in rows
        if (r.quality != "bad" or p.include_bad)
        and r.value is not None
        and not (isinstance(r.value, float) and not math.isfinite(r.value))
    ]
    before = neighbour(tag, p.start, before=True, include_bad=p.include_bad)
    after = neighbour(tag, p.end, before=False, include_bad=p.include_bad)
    series = ([before] if before else []) + usable + ([after] if after else [])
    values = []
    j = 0
    at = p.start
    numeric = tag.value_type in {"float", "int"}
    while at < p.end:
        while j + 1 < len(series) and series[j + 1].ts <= at:
            j += 1
        if series and series[j].ts <= at:
            current = series[j]
            nxt = series[j + 1] if j + 1 < len(series) else None
            if current.ts == at or not numeric or tag.step or nxt is None:
                value: Any = current.value
                quality = current.quality
            else:
                value = value_at(
                    (current.ts, float(current.value)), (nxt.ts, float(nxt.value)), at, False
                )
                quality = (
                    "uncertain"
                    if "uncertain" in (current.quality, nxt.quality)
                    else ("good" if current.quality == nxt.quality == "good" else current.quality)
                )
            values.append({"ts": format_ts(at), "value": value, "quality": quality})
        at += p.interval
        if len(values) > MAX_BUCKETS:
            raise HistorianError(
                "too many points: choose a longer interval",
                fields={"interval": "too small for this range"},
            )
    return {"values": values}


def read_values(tag: Tag, p: ReadParams) -> dict[str, Any]:
    if p.mode == "raw":
        body = read_raw(tag, p)
    elif p.mode == "interpolated":
        body = read_interpolated(tag, p)
    elif p.mode == "aggregate":
        body = read_aggregate(tag, p)
    else:
        body = read_plot(tag, p)
    return {"tag": tag.name, "unit": tag.unit, "mode": p.mode, **body}
