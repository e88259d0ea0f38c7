"""Statistical process control for the trend/SPC report: control limits, the Western Electric
and Nelson run rules, and capability indices. Pure NumPy.

Individuals (a historian tag, subgroups of one): the centre line is the mean; the within-
subgroup σ is the average moving range over d2 = 1.128 (MR̄ / 1.128); control limits are the
centre ± 3σ_within and the zones A, B, C lie 3, 2, 1 σ_within from it. Subgroups of n > 1: the
centre is the grand mean of the subgroup means, σ_within = R̄ / d2(n), and the rules run on the
subgroup means with limits at ± 3σ_within/√n.

Capability (spec limits LSL, USL; either may be absent):
- Cp = (USL − LSL) / 6σ_within; Cpk = min(USL − μ, μ − LSL) / 3σ_within
- Pp = (USL − LSL) / 6σ_overall; Ppk = min(USL − μ, μ − LSL) / 3σ_overall, σ_overall the
  sample standard deviation of all values (n − 1).

Rules (each violation reported at the point that completes it, with the points involved):
- Western Electric: WE1 a point beyond 3σ; WE2 2 of 3 successive points beyond 2σ on one side;
  WE3 4 of 5 beyond 1σ on one side; WE4 8 successive points on one side of the centre.
- Nelson: N1 beyond 3σ; N2 9 in a row on one side; N3 6 in a row steadily increasing or
  decreasing; N4 14 in a row alternating up and down; N5 2 of 3 beyond 2σ on one side;
  N6 4 of 5 beyond 1σ on one side; N7 15 in a row within 1σ (either side); N8 8 in a row
  beyond 1σ, none within, on both sides of the centre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[Any]]
Hits = list[tuple[int, tuple[int, ...]]]

# d2 (the mean of the range of n standard normal values), n = 2 … 10 (ASTM E2587, Table).
D2 = {2: 1.128, 3: 1.693, 4: 2.059, 5: 2.326, 6: 2.534, 7: 2.704, 8: 2.847, 9: 2.970, 10: 3.078}

RULES = {
    "WE1": "a point beyond 3σ",
    "WE2": "2 of 3 successive points beyond 2σ on one side",
    "WE3": "4 of 5 successive points beyond 1σ on one side",
    "WE4": "8 successive points on one side of the centre line",
    "N1": "a point beyond 3σ",
    "N2": "9 points in a row on one side of the centre line",
    "N3": "6 points in a row steadily increasing or decreasing",
    "N4": "14 points in a row alternating up and down",
    "N5": "2 of 3 points in a row beyond 2σ on one side",
    "N6": "4 of 5 points in a row beyond 1σ on one side",
    "N7": "15 points in a row within 1σ of the centre line",
    "N8": "8 points in a row beyond 1σ on both sides, none within",
}


@dataclass(frozen=True)
class Limits:
    centre: float
    sigma: float  # of the plotted statistic (a value, or a subgroup mean)
    sigma_within: float  # of single values

    def zone(self, k: float) -> tuple[float, float]:
        return self.centre - k * self.sigma, self.centre + k * self.sigma


@dataclass(frozen=True)
class Violation:
    rule: str
    index: int  # the point that completes the pattern (0-based, in the plotted series)
    points: tuple[int, ...]

    @property
    def text(self) -> str:
        return RULES[self.rule]


def individuals(values: Sequence[float]) -> Limits:
    """Centre and σ of an individuals chart: σ_within = MR̄ / 1.128."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        raise ValueError("at least two values are needed for a moving range")
    sigma = float(np.mean(np.abs(np.diff(x)))) / D2[2]
    return Limits(float(x.mean()), sigma, sigma)


def subgroups(groups: Sequence[Sequence[float]]) -> tuple[Array, Limits]:
    """The subgroup means and the X̄ chart's limits: σ_within = R̄ / d2(n)."""
    data = np.asarray(groups, dtype=float)
    n = data.shape[1]
    if n not in D2:
        raise ValueError(f"subgroups of 2 to 10 values (not {n})")
    sigma = float(np.mean(data.max(axis=1) - data.min(axis=1))) / D2[n]
    means = data.mean(axis=1)
    return means, Limits(float(means.mean()), sigma / math.sqrt(n), sigma)


def _side(x: Array, limits: Limits, k: float) -> tuple[Array, Array]:
    low, high = limits.zone(k)
    return x > high, x < low


def _k_of_m(flags: Array, k: int, m: int) -> Hits:
    """Where at least k of the last m points are flagged, the completing point flagged."""
    found: Hits = []
    for i in range(m - 1, len(flags)):
        window = range(i - m + 1, i + 1)
        hits = [j for j in window if flags[j]]
        if flags[i] and len(hits) >= k:
            found.append((i, tuple(hits)))
    return found


def _runs(flags: Array, length: int) -> Hits:
    """Where a run of `length` flagged points completes (each further point extends it)."""
    found: Hits = []
    run = 0
    for i, flag in enumerate(flags):
        run = run + 1 if flag else 0
        if run >= length:
            found.append((i, tuple(range(i - length + 1, i + 1))))
    return found


def violations(values: Sequence[float], limits: Limits,
               rules: Sequence[str] = tuple(RULES)) -> list[Violation]:  # fmt: skip
    """Every rule violation in the series (in time order), by rule."""
    x = np.asarray(values, dtype=float)
    found: list[Violation] = []

    def add(rule: str, hits: Hits) -> None:
        if rule in rules:
            found.extend(Violation(rule, i, pts) for i, pts in hits)

    above3, below3 = _side(x, limits, 3)
    above2, below2 = _side(x, limits, 2)
    above1, below1 = _side(x, limits, 1)
    beyond3: Hits = [(int(i), (int(i),)) for i in np.flatnonzero(above3 | below3)]
    add("WE1", beyond3)
    add("N1", beyond3)
    add("WE2", _k_of_m(above2, 2, 3) + _k_of_m(below2, 2, 3))
    add("N5", _k_of_m(above2, 2, 3) + _k_of_m(below2, 2, 3))
    add("WE3", _k_of_m(above1, 4, 5) + _k_of_m(below1, 4, 5))
    add("N6", _k_of_m(above1, 4, 5) + _k_of_m(below1, 4, 5))
    add("WE4", _runs(x > limits.centre, 8) + _runs(x < limits.centre, 8))
    add("N2", _runs(x > limits.centre, 9) + _runs(x < limits.centre, 9))
    step = np.sign(np.diff(x))
    # 6 points steadily rising are 5 rises in a row; the run ends at the later point.
    add("N3", [(i + 1, tuple(range(i - 4, i + 2))) for i, _ in _runs(step > 0, 5)]
        + [(i + 1, tuple(range(i - 4, i + 2))) for i, _ in _runs(step < 0, 5)])  # fmt: skip
    alternating = np.zeros(len(step), dtype=bool)
    alternating[1:] = (step[1:] * step[:-1]) < 0
    # 14 points alternating are 13 changes of direction, 12 of them sign flips in a row.
    add("N4", [(i + 1, tuple(range(i - 12, i + 2))) for i, _ in _runs(alternating, 12)])
    within1 = ~(above1 | below1)
    add("N7", _runs(within1, 15))
    # N8: 8 in a row beyond 1σ with points on both sides of the centre line.
    add("N8", [(i, pts) for i, pts in _runs(above1 | below1, 8)
               if above1[list(pts)].any() and below1[list(pts)].any()])  # fmt: skip
    found.sort(key=lambda v: (v.index, v.rule))
    return found


@dataclass(frozen=True)
class Capability:
    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    notes: list[str] = field(default_factory=list)


def capability(values: Sequence[float], lsl: float | None, usl: float | None,
               sigma_within: float | None = None) -> Capability:  # fmt: skip
    """Cp, Cpk (σ_within: MR̄/1.128 unless given, e.g. R̄/d2 of subgroups) and Pp, Ppk
    (σ_overall, n − 1); None where a limit the index needs is absent or σ is 0."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    within = sigma_within if sigma_within is not None else individuals(list(x)).sigma_within
    overall = float(x.std(ddof=1))

    def indices(sigma: float) -> tuple[float | None, float | None]:
        if sigma <= 0:
            return None, None
        both = lsl is not None and usl is not None
        spread = (usl - lsl) / (6 * sigma) if both else None  # type: ignore[operator]
        sides = [v for v in ((usl - mean) / (3 * sigma) if usl is not None else None,
                             (mean - lsl) / (3 * sigma) if lsl is not None else None)
                 if v is not None]  # fmt: skip
        return spread, (min(sides) if sides else None)

    cp, cpk = indices(within)
    pp, ppk = indices(overall)
    notes = []
    if lsl is None or usl is None:
        notes.append("one-sided specification: Cp and Pp need both limits")
    return Capability(mean, within, overall, cp, cpk, pp, ppk, notes)


def summary(c: Capability) -> dict[str, Any]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in c.__dict__.items()}
