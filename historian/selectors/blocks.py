"""Many tags on one grid: block means and changes of value, for analyses over a whole line
(the root-cause ranking of reports.rootcause) that would be slow tag by tag.

Block means are the mean of the usable samples (not bad, finite) of each block; whole-minute
blocks on whole minutes come from the minute rollups, others from the stored rows, each in one
statement for all tags. A tag that a correction touches in the window is read through the
historian's own read with the corrections applied, so the corrected values count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from core.dbsql import reading_cursor
from historian import sql
from historian.digest import stored_value
from historian.models import Correction, Tag
from historian.selectors.buckets import EPOCH, rollups_enabled
from historian.selectors.modes import AggregateSeries, read
from historian.selectors.spec import ReadSpec


@dataclass(frozen=True)
class Grid:
    """Blocks of `step_s` seconds from `start` (aligned to the UTC epoch): block k is
    [start + k·step, start + (k+1)·step)."""

    start: datetime
    step_s: int
    count: int

    @classmethod
    def covering(cls, start: datetime, end: datetime, step_s: int) -> Grid:
        first = EPOCH + timedelta(seconds=(start - EPOCH).total_seconds() // step_s * step_s)
        count = int(-(-(end - first).total_seconds() // step_s))
        return cls(first.astimezone(UTC), step_s, max(count, 1))

    @property
    def end(self) -> datetime:
        return self.at(self.count)

    def at(self, k: float) -> datetime:
        return self.start + timedelta(seconds=k * self.step_s)

    def index(self, moment: datetime) -> float:
        """Where `moment` falls, in blocks from the grid's start (fractional)."""
        return (moment - self.start).total_seconds() / self.step_s


def block_means(tags: Sequence[Tag], grid: Grid) -> dict[int, np.ndarray[Any, Any]]:
    """Per tag id, the mean of each block of the grid (NaN where a block has no usable
    sample)."""
    out = {tag.pk: np.full(grid.count, np.nan) for tag in tags}
    corrected = set(
        Correction.objects.filter(tag__in=tags, start__lt=grid.end, end__gt=grid.start).values_list(
            "tag_id", flat=True
        )
    )
    plain = [tag.pk for tag in tags if tag.pk not in corrected]
    minutes = grid.step_s % 60 == 0 and grid.start.second == 0 and rollups_enabled()
    params: dict[str, Any] = {
        "tags": plain,
        "start": grid.start,
        "end": grid.end,
        "step": grid.step_s,
    }
    with reading_cursor() as cursor:
        cursor.execute(sql.BLOCK_MEANS_MINUTES if minutes else sql.BLOCK_MEANS_RAW, params)
        for tag_id, k, mean in cursor.fetchall():
            if 0 <= k < grid.count:
                out[tag_id][k] = mean
    for tag in tags:
        if tag.pk in corrected:
            spec = ReadSpec(start=grid.start, end=grid.end, mode="aggregate",
                            interval=timedelta(seconds=grid.step_s), aggregates=("avg",),
                            apply_corrections=True)  # fmt: skip
            series = read(tag, spec)
            assert isinstance(series, AggregateSeries)
            for bucket in series.buckets:
                k = int(grid.index(bucket.ts))
                value = bucket.aggregates.get("avg")
                if 0 <= k < grid.count and value is not None:
                    out[tag.pk][k] = value
    return out


@dataclass(frozen=True)
class Change:
    """A tag's value changed at `ts` from `before` to `after` (`before` is None for the first
    sample of the window)."""

    tag_id: int
    ts: datetime
    before: Any
    after: Any


def changes(tags: Sequence[Tag], start: datetime, end: datetime) -> list[Change]:
    """Every change of value of the tags in [start, end), by tag and time, each tag's first
    sample in the window first (the state it began in)."""
    types = {tag.pk: tag.value_type for tag in tags}
    with reading_cursor() as cursor:
        cursor.execute(sql.CHANGES, {"tags": list(types), "start": start, "end": end})
        rows = cursor.fetchall()
    found = []
    for tag_id, ts, num, text, before_num, before_text in rows:
        kind = types[tag_id]
        first = before_num is None and before_text is None
        found.append(Change(tag_id, ts, None if first else stored_value(kind, before_num,
                                                                        before_text),
                            stored_value(kind, num, text)))  # fmt: skip
    return found
