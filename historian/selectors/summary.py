"""Mergeable summaries of a stretch of samples: what plots and aggregates are made of.

A raw sample is a summary of one; a rollup row is the summary of a tag's
minute; summaries of neighbouring stretches merge (earlier first), adding the
signal's integral across the gap between them. Both read paths — raw rows and
rollups — go through this one arithmetic, so they give the same answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Summary:
    n: int = 0
    sum: float = 0.0
    sumsq: float = 0.0
    min: float | None = None
    min_ts: datetime | None = None
    max: float | None = None
    max_ts: datetime | None = None
    first: float | None = None
    first_ts: datetime | None = None
    last: float | None = None
    last_ts: datetime | None = None
    int_linear: float = 0.0  # value-seconds between first_ts and last_ts
    int_step: float = 0.0
    bad: int = 0
    uncertain: int = 0

    @classmethod
    def of(
        cls, ts: datetime, value: float, *, uncertain: bool = False, bad: bool = False
    ) -> Summary:
        """One sample (a bad one counts as bad and is summarised, when bad samples are asked
        back)."""
        return cls(
            1,
            value,
            value * value,
            value,
            ts,
            value,
            ts,
            value,
            ts,
            value,
            ts,
            0.0,
            0.0,
            int(bad),
            int(uncertain),
        )

    @classmethod
    def of_bad(cls) -> Summary:
        return cls(bad=1)

    def merge(self, later: Summary) -> Summary:
        """This stretch followed by `later` (which starts after this one ends)."""
        if not later.n:
            return Summary(
                **{
                    **self.__dict__,
                    "bad": self.bad + later.bad,
                    "uncertain": self.uncertain + later.uncertain,
                }
            )
        if not self.n:
            return Summary(
                **{
                    **later.__dict__,
                    "bad": self.bad + later.bad,
                    "uncertain": self.uncertain + later.uncertain,
                }
            )
        assert self.last_ts is not None
        assert later.first_ts is not None
        assert self.last is not None
        assert later.first is not None
        gap = (later.first_ts - self.last_ts).total_seconds()
        lower = self.min is not None and later.min is not None and later.min < self.min
        higher = self.max is not None and later.max is not None and later.max > self.max
        return Summary(
            n=self.n + later.n,
            sum=self.sum + later.sum,
            sumsq=self.sumsq + later.sumsq,
            min=later.min if lower else self.min,
            min_ts=later.min_ts if lower else self.min_ts,
            max=later.max if higher else self.max,
            max_ts=later.max_ts if higher else self.max_ts,
            first=self.first,
            first_ts=self.first_ts,
            last=later.last,
            last_ts=later.last_ts,
            int_linear=self.int_linear + later.int_linear + (self.last + later.first) / 2 * gap,
            int_step=self.int_step + later.int_step + self.last * gap,
            bad=self.bad + later.bad,
            uncertain=self.uncertain + later.uncertain,
        )

    @property
    def avg(self) -> float | None:
        return self.sum / self.n if self.n else None

    @property
    def stddev(self) -> float | None:
        """Sample standard deviation."""
        if self.n < 2:
            return None
        mean = self.sum / self.n
        variance = max(0.0, (self.sumsq - self.n * mean * mean) / (self.n - 1))
        return math.sqrt(variance)


def value_at(
    before: tuple[datetime, float], after: tuple[datetime, float] | None, at: datetime, step: bool
) -> float:
    """The signal at `at` between two samples: held for step tags, linear otherwise."""
    t0, v0 = before
    if step or after is None:
        return v0
    t1, v1 = after
    span = (t1 - t0).total_seconds()
    if span <= 0:
        return v0
    return v0 + (v1 - v0) * (at - t0).total_seconds() / span


def twa(
    inside: Summary,
    begin: datetime,
    end: datetime,
    before: tuple[datetime, float] | None,
    after: tuple[datetime, float] | None,
    step: bool,
) -> float | None:
    """Time-weighted average of the signal over [begin, end).

    At `begin` the signal takes the value interpolated from the samples around
    it; after the last sample inside it runs toward the next sample after
    `end`, or stays flat when there is none; time before the first sample ever
    is left out.
    """
    if not inside.n:
        return None
    assert inside.first_ts is not None
    assert inside.last_ts is not None
    assert inside.first is not None
    assert inside.last is not None
    total = inside.int_step if step else inside.int_linear
    start = begin
    if before is None:
        start = inside.first_ts  # nothing before: the signal starts at the first sample
    else:
        head = (inside.first_ts - begin).total_seconds()
        at_begin = value_at(before, (inside.first_ts, inside.first), begin, step)
        total += (before[1] if step else (at_begin + inside.first) / 2) * head
    tail = (end - inside.last_ts).total_seconds()
    if after is None or step:
        total += inside.last * tail
    else:
        at_end = value_at((inside.last_ts, inside.last), after, end, step)
        total += (inside.last + at_end) / 2 * tail
    duration = (end - start).total_seconds()
    if duration <= 0:
        return inside.last
    return total / duration
