"""Continuous genealogy (DESIGN.md "Continuous batches, RTD and genealogy"; ICH Q13): which
lots are in the material that left a line, where a lot went, and what to divert after an inlet
disturbance — from a feeder's charges and its RTD model (ebr.rtd).

The fraction of a lot at the outlet at time t is Σ over its charges [a, b) of
F(t − a) − F(t − b). Times are seconds on one clock (epoch seconds); a model applies to the
material that left while it was in force (`Piece`). Pure functions: nothing here reads the
database (ebr.selectors.genealogy does).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from ebr.rtd import Array, Charge, RtdError, RtdModel

UNKNOWN = ""  # material that entered before the first recorded charge
SETTLED = 1e-9  # a curve is taken as settled where less than this is left to change
STEP_S = 1.0  # the resolution of forward trace and diversion edges


@dataclass(frozen=True)
class Piece:
    """An RTD model in force for material that left in `[start, end)`."""

    model: RtdModel
    start: float
    end: float


def charge_shares(
    model: RtdModel, charges: Sequence[Charge], edges: Array
) -> tuple[dict[str, Array], Array]:
    """Per lot, its share of the feeder's stream averaged over each interval between `edges`
    (exact, from G = ∫F), and the share of each interval fed by nothing (a gap after a charge
    that ended before the next began). Material from before the first charge is UNKNOWN."""
    width = np.diff(edges)

    def mean_f(shift: float, lo: int = 0, hi: int | None = None) -> Array:
        part = edges[lo : (hi + 1 if hi is not None else None)]
        mean: Array = np.diff(model.cdf_integral(part - shift)) / np.diff(part)
        return mean

    early, reach = model.delay_s, settle_time(model)
    shares: dict[str, Array] = {}
    known = np.zeros(len(width))
    for charge in charges:
        # Only the intervals from its first material out to its last one settled change: before
        # them the share is 0, between its two edges' tails 1 (to SETTLED), after them 0.
        last = charge.end if charge.end is not None else math.inf
        lo = max(int(np.searchsorted(edges, charge.start + early, side="right")) - 1, 0)
        hi = min(int(np.searchsorted(edges, last + reach, side="left")), len(width))
        if hi <= lo:
            continue
        share = mean_f(charge.start, lo, hi)
        if charge.end is not None:
            share = share - mean_f(charge.end, lo, hi)
        share = np.clip(share, 0.0, 1.0)
        whole = shares.setdefault(charge.lot, np.zeros(len(width)))
        whole[lo:hi] += share
        known[lo:hi] += share
    before = np.clip(1.0 - mean_f(charges[0].start), 0.0, 1.0) if charges else np.ones(len(width))
    shares[UNKNOWN] = before  # lot numbers are never empty: UNKNOWN is no lot's
    gap = np.clip(1.0 - known - before, 0.0, 1.0)
    return shares, gap


def backward(
    pieces: Sequence[Piece],
    charges: Sequence[Charge],
    edges: Array | None = None,
    flow: Array | None = None,
) -> dict[str, float]:
    """Each lot's mass fraction in what left the outlet over the window the pieces cover,
    weighted by the outlet's mass flow over the intervals between `edges` when given (else
    constant flow). Fractions sum to 1 over the material the feeder fed; an empty dict when
    it fed nothing that left in the window."""
    if not pieces:
        raise RtdError("no RTD model covers the window")
    start, end = pieces[0].start, pieces[-1].end
    if edges is None or flow is None:
        edges, flow = np.array([start, end]), np.ones(1)
    mass: dict[str, float] = {}
    fed_mass = 0.0
    for piece in pieces:
        inner = edges[(edges > piece.start) & (edges < piece.end)]
        cut = np.concatenate([[piece.start], inner, [piece.end]])
        # the flow of the interval each piece of the cut lies in
        index = np.clip(np.searchsorted(edges, cut[:-1], side="right") - 1, 0, len(flow) - 1)
        weight = flow[index] * np.diff(cut)
        shares, gap = charge_shares(piece.model, charges, cut)
        for lot, share in shares.items():
            mass[lot] = mass.get(lot, 0.0) + float(np.dot(weight, share))
        fed_mass += float(np.dot(weight, 1.0 - gap))
    if fed_mass <= 1e-12 * max(end - start, 1.0):
        return {}
    fractions = {lot: m / fed_mass for lot, m in mass.items() if m / fed_mass > 1e-12}
    return fractions


def settle_time(model: RtdModel) -> float:
    """When material fed at 0 has (all but SETTLED of it) left."""
    return model.quantile(1.0 - SETTLED)


@dataclass(frozen=True)
class Presence:
    """Where a lot's fraction at the outlet exceeds a threshold: `[start, end)` and its
    largest fraction there."""

    start: float
    end: float
    max_fraction: float


def lot_fraction(models: Sequence[Piece], charges: Sequence[Charge], t: Array) -> Array:
    """The lot's fraction at the outlet at times t, each under the model in force then."""
    out = np.zeros(len(t))
    for piece in models:
        inside = (t >= piece.start) & (t < piece.end)
        if not inside.any():
            continue
        x = t[inside]
        value = np.zeros(len(x))
        for charge in charges:
            value += piece.model.cdf(x - charge.start)
            if charge.end is not None:
                value -= piece.model.cdf(x - charge.end)
        out[inside] = np.clip(value, 0.0, 1.0)
    return out


def sample_times(models: Sequence[Piece], charges: Sequence[Charge]) -> Array:
    """Times where the lot's fraction can change, every STEP_S: after each charge boundary
    until the slowest model in force has settled (elsewhere the fraction is constant)."""
    reach = max(settle_time(p.model) for p in models)
    early = min(p.model.delay_s for p in models)
    zones: list[tuple[float, float]] = []
    for charge in charges:
        for edge in (charge.start, charge.end):
            if edge is not None:
                zones.append((edge + early, edge + reach + STEP_S))
    zones.sort()
    merged: list[list[float]] = []
    for lo, hi in zones:
        if merged and lo <= merged[-1][1] + STEP_S:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    parts = [np.arange(math.floor(lo), math.ceil(hi) + STEP_S, STEP_S) for lo, hi in merged]
    return np.concatenate(parts) if parts else np.zeros(0)


def forward(models: Sequence[Piece], charges: Sequence[Charge], threshold: float) -> list[Presence]:
    """The outlet windows where the lot's fraction exceeds `threshold` (edges to STEP_S,
    interpolated between samples)."""
    if not charges:
        return []
    if not models:
        raise RtdError("no RTD model in force")
    t = sample_times(models, charges)
    f = lot_fraction(models, charges, t)
    above = f > threshold
    found: list[Presence] = []
    i = 0
    while i < len(t):
        if not above[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(t) and above[j + 1]:
            j += 1
        begin = _crossing(t, f, i - 1, i, threshold) if i > 0 else t[i]
        finish = _crossing(t, f, j, j + 1, threshold) if j + 1 < len(t) else math.inf
        found.append(Presence(begin, finish, float(f[i : j + 1].max())))
        i = j + 1
    return found


def _crossing(t: Array, f: Array, i: int, j: int, threshold: float) -> float:
    """Where f crosses the threshold between samples i and j (linear in between)."""
    if f[j] == f[i]:
        return float(t[j])
    share = (threshold - f[i]) / (f[j] - f[i])
    return float(t[i] + share * (t[j] - t[i]))


@dataclass(frozen=True)
class Diversion:
    start: float | None  # None: nothing to divert
    end: float | None
    peak: float | None = None  # the largest outlet deviation (with a disturbance size)


def diversion(
    model: RtdModel,
    start: float,
    end: float,
    quantile: float = 0.001,
    *,
    size: float | None = None,
    nominal: float = 0.0,
    low: float | None = None,
    high: float | None = None,
) -> Diversion:
    """The outlet window to divert for an inlet disturbance over `[start, end)`: from the
    `quantile` of the first material disturbed to the `1 − quantile` of the last. Given the
    disturbance's `size` (the deviation it would cause at the outlet if it lasted) and the
    CQA's limits around `nominal`, only where `nominal + size·(F(t − start) − F(t − end))`
    is beyond a limit (None when it never is)."""
    if not end > start:
        raise RtdError("end: after start")
    if not 0 < quantile < 0.5:
        raise RtdError("quantile: between 0 and 0.5, exclusive")
    first, last = start + model.quantile(quantile), end + model.quantile(1 - quantile)
    if size is None:
        return Diversion(first, last)
    if low is None and high is None:
        raise RtdError("low or high: a CQA limit to compare the outlet deviation with")

    def beyond(t: Any) -> Any:  # > 0 where the outlet value is outside the limits
        value = nominal + size * (model.cdf(t - start) - model.cdf(t - end))
        over = value - high if high is not None else -np.inf
        under = low - value if low is not None else -np.inf
        return np.maximum(over, under)

    # Sampled where the outlet can change: after each edge of the disturbance until the RTD has
    # settled (in between a long disturbance's edges the deviation is `size`, constant).
    reach = settle_time(model) + STEP_S
    if end - start > reach:
        edges = [np.arange(a + model.delay_s, a + reach, STEP_S / 4) for a in (start, end)]
        grid = np.concatenate(edges)
    else:
        grid = np.arange(start + model.delay_s, end + reach, STEP_S / 4)
    excess = beyond(grid)
    window = model.cdf(grid - start) - model.cdf(grid - end)
    peak = float(size * window.max(initial=0.0))  # the most extreme outlet deviation
    outside = np.flatnonzero(excess > 0)
    if len(outside) == 0:
        return Diversion(None, None, peak)
    i, j = outside[0], outside[-1]

    def exact(a: float, b: float) -> float:  # the crossing, to far below a second
        return float(brentq(lambda x: float(beyond(np.array([x]))[0]), a, b, xtol=1e-3))

    begin = exact(grid[i - 1], grid[i]) if i > 0 else float(grid[i])
    finish = exact(grid[j], grid[j + 1]) if j + 1 < len(grid) else float(grid[j])
    return Diversion(begin, finish, peak)
