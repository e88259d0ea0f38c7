"""Stored samples as typed points: a window of raw rows, the neighbour of a moment, the
current value, and the corrections overlay (API.md, "Corrections")."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from core.dbsql import reading_cursor
from historian import sql
from historian.digest import stored_value
from historian.models import Correction, Tag
from historian.quality import QUALITY_NAMES


@dataclass(frozen=True)
class Point:
    """One sample: its time (UTC), its value as the tag's type gives it (a float may be NaN or
    infinite under quality bad), its quality name, and how a correction touches it."""

    ts: datetime
    value: Any
    quality: str
    corrected: bool = False  # a corrected value, in place of the original (corrections=apply)
    has_correction: bool = False  # an original that a correction covers

    @property
    def number(self) -> float | None:
        """The value as a finite number, or None (text, null, NaN, ±inf)."""
        value = self.value
        if value is None or isinstance(value, str):
            return None
        number = float(value)
        return number if math.isfinite(number) else None


def _points(tag: Tag, query: str, params: list[Any]) -> list[Point]:
    with reading_cursor() as cursor:
        cursor.execute(query, params)
        return [
            Point(ts, stored_value(tag.value_type, num, text), QUALITY_NAMES[q])
            for ts, num, text, q in cursor.fetchall()
        ]


def raw_points(tag: Tag, start: datetime, end: datetime, limit: int | None = None) -> list[Point]:
    """The stored samples of `tag` in [start, end), oldest first, at most `limit`."""
    query = sql.SAMPLE_SELECT + "AND ts >= %s AND ts < %s ORDER BY ts"
    args: list[Any] = [tag.pk, start, end]
    if limit is not None:
        query += " LIMIT %s"
        args.append(limit)
    return _points(tag, query, args)


def neighbour(tag: Tag, at: datetime, *, before: bool, include_bad: bool) -> Point | None:
    """The nearest usable sample strictly before `at`, or at/after it."""
    order = "AND ts < %s ORDER BY ts DESC" if before else "AND ts >= %s ORDER BY ts"
    quality = "" if include_bad else sql.NOT_BAD
    rows = _points(tag, sql.SAMPLE_SELECT + quality + sql.FINITE + order + " LIMIT 1", [tag.pk, at])
    return rows[0] if rows else None


def current(tag: Tag) -> Point | None:
    """The latest stored sample of `tag`, whatever its quality."""
    rows = _points(tag, sql.SAMPLE_SELECT + "ORDER BY ts DESC LIMIT 1", [tag.pk])
    return rows[0] if rows else None


def corrections_touch(tag: Tag, start: datetime, end: datetime) -> bool:
    return Correction.objects.filter(tag=tag, start__lt=end, end__gt=start).exists()


def apply_corrections(
    tag: Tag, points: list[Point], start: datetime, end: datetime, apply: bool
) -> list[Point]:
    """Flag originals under a correction, or (apply) put the corrected values in their place."""
    corrections = list(Correction.objects.filter(tag=tag, start__lt=end, end__gt=start))
    if not corrections:
        return points
    covered = [(c.start, c.end) for c in corrections]

    def under(ts: datetime) -> bool:
        return any(a <= ts < b for a, b in covered)

    if not apply:
        return [replace(p, has_correction=True) if under(p.ts) else p for p in points]
    kept = [p for p in points if not under(p.ts)]
    for correction in corrections:
        for item in correction.values:
            ts = datetime.fromisoformat(item["ts"])
            if start <= ts < end:
                value = item["value"]
                if isinstance(value, str) and tag.value_type != "string":
                    value = float(value)  # non-finite floats are kept as their repr
                kept.append(Point(ts, value, item.get("quality", "good"), corrected=True))
    return sorted(kept, key=lambda p: p.ts)


@dataclass(frozen=True)
class Excursion:
    """A run of consecutive usable samples outside [low, high]: from its first sample to the
    sample where the signal came back (`end`; None while it is still outside), with its
    count and its worst value (the farthest beyond its limit)."""

    start: datetime
    last: datetime
    end: datetime | None
    count: int
    worst: float


def excursions(
    tag: Tag, start: datetime, end: datetime, low: float | None, high: float | None
) -> list[Excursion]:
    """The tag's excursions outside [low, high] within [start, end), found in PostgreSQL. The
    minute rollups say which minutes reach outside the limits; raw rows are read only around
    those (and the window's partial edge minutes); without rollups, every raw row."""
    from historian.selectors.buckets import _use_rollups

    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    if not _use_rollups.get() or tag.value_type == "string":
        return _excursions_in(tag, [(start, end)], lo, hi, low, high)
    first = _next_minute(start)
    last = end.replace(second=0, microsecond=0)
    spans: list[tuple[datetime, datetime]] = []
    if first > start:
        spans.append((start, min(first, end)))  # the partial minute at the start
    if first < last:
        with reading_cursor() as cursor:
            cursor.execute(sql.EXCURSION_MINUTES, {"tag": tag.pk, "start": first, "end": last})
            minutes = cursor.fetchall()
        open_from: datetime | None = None
        for bucket, n, lowest, highest in minutes:
            if not n:
                continue  # only bad samples: they neither start nor end an excursion
            outside = lowest < lo or highest > hi
            if outside and open_from is None:
                open_from = bucket
            elif not outside and open_from is not None:
                # through this clean minute: its first sample is where the signal came back
                spans.append((open_from, bucket + MINUTE))
                open_from = None
        if open_from is not None:
            spans.append((open_from, last))
    if last < end and last >= first:
        spans.append((last, end))  # the partial minute at the end
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, min(b, end)))
    return _excursions_in(tag, merged, lo, hi, low, high)


MINUTE = timedelta(minutes=1)


def _next_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + MINUTE


def _excursions_in(
    tag: Tag,
    spans: list[tuple[datetime, datetime]],
    lo: float,
    hi: float,
    low: float | None,
    high: float | None,
) -> list[Excursion]:
    """The excursions inside each span (gaps and islands in SQL); a run that reaches a span's
    end continues into the next span when no usable sample lies between them."""
    rows: list[tuple[Any, ...]] = []
    with reading_cursor() as cursor:
        for a, b in spans:
            if b <= a:
                continue
            params: dict[str, Any] = {"tag": tag.pk, "start": a, "end": b, "low": lo, "high": hi}
            cursor.execute(sql.EXCURSIONS, params)
            rows += cursor.fetchall()
    found: list[Excursion] = []
    for first, last, back, count, lowest, highest in rows:
        previous = found[-1] if found else None
        if previous is not None and previous.end is None:
            # The previous span ended while outside: this run is the same excursion.
            lowest = min(lowest, previous.worst)
            highest = max(highest, previous.worst)
            first, count = previous.start, count + previous.count
            found.pop()
        above = highest - high if high is not None and highest > high else -math.inf
        below = low - lowest if low is not None and lowest < low else -math.inf
        worst = highest if above >= below else lowest
        found.append(Excursion(first, last, back, count, worst))
    return found
