"""Stored samples as typed points: a window of raw rows, the neighbour of a moment, the
current value, and the corrections overlay (API.md, "Corrections")."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
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


def corrected_stretches(
    tag: Tag, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) that corrections of `tag` cover, overlapping ones joined,
    in time order."""
    found = Correction.objects.filter(tag=tag, start__lt=end, end__gt=start).order_by("start")
    stretches: list[tuple[datetime, datetime]] = []
    for a, b in found.values_list("start", "end"):
        a, b = max(a, start), min(b, end)
        if stretches and a <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], max(stretches[-1][1], b))
        else:
            stretches.append((a, b))
    return stretches


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
