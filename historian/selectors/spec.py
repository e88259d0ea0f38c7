"""What a read asks for, typed: a window of datetimes, a mode, an interval and options.

The API builds one from a query string (historian/api/values.py); the batch record and the
reports build one in code. Either way the rules below hold, with the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from historian.errors import HistorianError

MODES = ("raw", "interpolated", "aggregate", "plot")
AGGREGATES = ("avg", "min", "max", "twa", "count", "first", "last", "stddev")
DEFAULT_AGGREGATES = ("avg", "min", "max", "count")
MAX_BUCKETS = 100_000
LIMITS = {"limit": (1, 1_000_000), "points": (1, 20_000)}


def check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise HistorianError(
            "start and end are timezone-aware", fields={"start": "naive", "end": "naive"}
        )
    if start >= end:
        raise HistorianError("start must be before end", fields={"end": "not after start"})


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise HistorianError(f"mode is one of {', '.join(MODES)}", fields={"mode": "unknown"})


def check_interval(mode: str, interval: timedelta | None) -> None:
    if interval is None and mode in {"interpolated", "aggregate"}:
        raise HistorianError(f"mode={mode} needs an interval", fields={"interval": "required"})
    if interval is not None and interval <= timedelta(0):
        raise HistorianError("interval is positive", fields={"interval": "invalid"})


def check_limit(name: str, value: int) -> None:
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise HistorianError(f"{name} is between {low} and {high}", fields={name: "out of range"})


def check_aggregates(wanted: tuple[str, ...]) -> None:
    unknown = [a for a in wanted if a not in AGGREGATES]
    if unknown:
        raise HistorianError(
            f"unknown aggregate(s) {', '.join(unknown)}; one of {', '.join(AGGREGATES)}",
            fields={"aggregates": "unknown"},
        )


def too_many(what: str) -> HistorianError:
    return HistorianError(
        f"too many {what}: choose a longer interval",
        fields={"interval": "too small for this range"},
    )


@dataclass(frozen=True)
class ReadSpec:
    """A read of one tag over [start, end).

    raw: stored samples, at most `limit`. interpolated: the signal every `interval`.
    aggregate: `aggregates` per bucket of `interval`, aligned to the UTC epoch or to local
    midnight in `tz`. plot: at most `points` intervals with first, last, min and max.
    Bad samples are left out unless `include_bad`; corrections are flagged, or applied
    (`apply_corrections`) in place of the originals they cover; empty buckets are left out
    unless `fill_null`.
    """

    start: datetime
    end: datetime
    mode: str = "raw"
    interval: timedelta | None = None
    tz: ZoneInfo | None = None
    limit: int = 100_000
    points: int = 1000
    aggregates: tuple[str, ...] = DEFAULT_AGGREGATES
    include_bad: bool = False
    fill_null: bool = False
    apply_corrections: bool = False

    def __post_init__(self) -> None:
        check_window(self.start, self.end)
        check_mode(self.mode)
        check_interval(self.mode, self.interval)
        check_limit("limit", self.limit)
        check_limit("points", self.points)
        check_aggregates(self.aggregates)
