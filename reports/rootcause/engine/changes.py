"""Which of a signal's changes (stats.onsets) is the one that matters."""

from __future__ import annotations

import numpy as np

from reports.rootcause import stats
from reports.rootcause.stats import Array


def departure(z: Array, found: list[stats.Onset], until: int, lag: int) -> int | None:
    """Of the changes that began by `until` (and not long before, given the lag), the one that
    departs furthest from where the signal stood before it: the start of the episode rather
    than a controller's partial recovery within it."""

    def departs(o: stats.Onset) -> float:
        after = float(np.abs(z[o.start : o.start + 6].mean()))
        before = float(np.abs(z[max(0, o.start - 6) : o.start].mean())) if o.start else 0.0
        return after - before

    reach = until - lag - max(12, lag)
    near = [o for o in found if reach <= o.start <= until]
    return stats.episode(z, found, max(near, key=departs)).start if near else None


def principal(z: Array, found: list[stats.Onset], near: float) -> stats.Onset:
    """The change that matters near block `near`: the largest shift, discounted by distance
    (noise alarms now and then), taken from the start of its episode."""

    def weight(o: stats.Onset) -> float:
        shift = float(np.abs(z[o.start : o.start + 12]).mean())
        return shift / (1.0 + abs(o.alarm - near) / 60.0)

    return stats.episode(z, found, max(found, key=weight))


def nearest(found: list[stats.Onset], block: float) -> stats.Onset | None:
    return min(found, key=lambda o: abs(o.start - block)) if found else None
