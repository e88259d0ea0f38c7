"""Excursions of a tag outside limits (batch records watch their CPPs with them): runs of
consecutive usable samples outside [low, high], found in PostgreSQL, guided by the minute
rollups so that raw rows are read only where a minute reaches outside the limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.dbsql import reading_cursor
from historian import sql
from historian.models import Tag
from historian.selectors.buckets import rollups_enabled


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
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    if not rollups_enabled() or tag.value_type == "string":
        return _excursions_in(tag, [(start, end)], lo, hi, low, high)
    first = _next_minute(start)
    last = end.replace(second=0, microsecond=0)
    spans: list[tuple[datetime, datetime]] = []
    if first > start:
        spans.append((start, min(first, end)))  # the partial minute at the start
    if first < last:
        with reading_cursor() as cursor:
            cursor.execute(
                sql.EXCURSION_MINUTES,
                {"tag": tag.pk, "start": first, "end": last, "low": lo, "high": hi},
            )
            minutes = cursor.fetchall()
        open_from: datetime | None = None
        for bucket, outside in minutes:
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
    spans = [(a, b) for a, b in spans if b > a]
    if not spans:
        return []
    params: dict[str, Any] = {
        "tag": tag.pk, "starts": [a for a, _ in spans], "ends": [b for _, b in spans],
        "low": lo, "high": hi,
    }  # fmt: skip
    with reading_cursor() as cursor:  # every span in one statement
        cursor.execute(sql.EXCURSIONS, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
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
