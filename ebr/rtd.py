"""Residence time distributions (ICH Q13; DOMAIN.md "Continuous manufacturing"): how material fed
at a line's inlet leaves at its outlet. A model gives the exit-age density E(t), the step
response F(t) = ∫E, its integral G(t) = ∫F (what averages of fractions over windows need) and
quantiles (diversion windows). `tau_s` is always the mean residence time after the dead time
`delay_s`.

- Tanks in series (any real n > 0), in closed form with `scipy.special`: E is the gamma density
  with shape n and scale τ/n, F(t) = P(n, n·t/τ), G(t) = t·P(n, n·t/τ) − τ·P(n+1, n·t/τ),
  quantile τ/n · P⁻¹(n, q). (rtdpy's tanks model misbehaves for n < 1 at t = 0 and has no F
  or quantile, so it is not used here.)
- Axial dispersion: E from rtdpy — `AD_cc` (Danckwerts closed-closed, the default; its τ is the
  mean) or `AD_oo` (open-open; its τ = L/U, and the mean is (1 + 2/Pe)·L/U, converted here) —
  on a grid of 20,000 points over 4 + 12/Pe mean residence times, its exponential tail carried
  on until less than 1e-7 is left, normalised; F and G by cumulative trapezoids, read by linear
  interpolation; quantiles by inverting F on the grid.

Pure functions of time in seconds (NumPy arrays); nothing here touches the database."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import special, stats
from scipy.integrate import cumulative_trapezoid

Array = np.ndarray[Any, np.dtype[np.float64]]

MODELS = ("tanks_in_series", "axial_dispersion")
BOUNDARIES = ("closed", "open")
# Grid points of the axial dispersion curves (E, F and G) over their whole span.
GRID = 20_000
TAIL = 1e-7  # the grid reaches where F = 1 − TAIL


class RtdError(ValueError):
    """The model's parameters do not describe an RTD (say which, and why)."""


@dataclass(frozen=True)
class RtdModel:
    kind: str
    tau_s: float
    n: float | None = None
    peclet: float | None = None
    boundary: str = "closed"
    delay_s: float = 0.0

    def __post_init__(self) -> None:
        problems = check(self.kind, self.tau_s, n=self.n, peclet=self.peclet,
                         boundary=self.boundary, delay_s=self.delay_s)  # fmt: skip
        if problems:
            raise RtdError("; ".join(f"{k}: {v}" for k, v in problems.items()))

    # --- the curves, over time in seconds since material entered the inlet ------------
    def pdf(self, t: Any) -> Array:
        x = np.asarray(t, dtype=float) - self.delay_s
        if self.kind == "tanks_in_series":
            n = float(self.n or 0)
            return np.where(x > 0, stats.gamma.pdf(x, a=n, scale=self.tau_s / n), 0.0)
        grid = _grid(self.tau_s, float(self.peclet or 0), self.boundary)
        return np.interp(x, grid.t, grid.e, left=0.0, right=0.0)

    def cdf(self, t: Any) -> Array:
        """F: the fraction of material fed at time 0 that has left by t."""
        x = np.asarray(t, dtype=float) - self.delay_s
        if self.kind == "tanks_in_series":
            n = float(self.n or 0)
            return np.where(x > 0, special.gammainc(n, n * np.maximum(x, 0) / self.tau_s), 0.0)
        grid = _grid(self.tau_s, float(self.peclet or 0), self.boundary)
        return np.interp(x, grid.t, grid.f, left=0.0, right=1.0)

    def cdf_integral(self, t: Any) -> Array:
        """G(t) = ∫₀ᵗ F: what the average of F over a window needs."""
        x = np.maximum(np.asarray(t, dtype=float) - self.delay_s, 0.0)
        if self.kind == "tanks_in_series":
            n, tau = float(self.n or 0), self.tau_s
            below: Array = special.gammainc(n, n * x / tau)
            within: Array = special.gammainc(n + 1, n * x / tau)
            return x * below - tau * within
        grid = _grid(self.tau_s, float(self.peclet or 0), self.boundary)
        inside = np.interp(x, grid.t, grid.g)
        # Past the grid F = 1 (to TAIL): G grows by the time beyond it.
        return np.where(x > grid.t[-1], grid.g[-1] + (x - grid.t[-1]), inside)

    def quantile(self, q: float) -> float:
        """The time by which the fraction q of material fed at time 0 has left."""
        if not 0 < q < 1:
            raise RtdError("quantile: between 0 and 1, exclusive")
        if self.kind == "tanks_in_series":
            n = float(self.n or 0)
            return self.delay_s + self.tau_s / n * float(special.gammaincinv(n, q))
        grid = _grid(self.tau_s, float(self.peclet or 0), self.boundary)
        return self.delay_s + float(np.interp(q, grid.f, grid.t))

    def describe(self) -> str:
        shape = f"n = {self.n:g}" if self.kind == "tanks_in_series" else (
            f"Pe = {self.peclet:g}, {self.boundary} boundaries")  # fmt: skip
        kind = self.kind.replace("_", " ")
        return f"{kind} ({shape}), τ = {self.tau_s:g} s, delay {self.delay_s:g} s"


def check(
    kind: Any, tau_s: Any, *, n: Any = None, peclet: Any = None, boundary: Any = "closed",
    delay_s: Any = 0.0,
) -> dict[str, str]:  # fmt: skip
    """Why the parameters are not an RTD, by field (empty when they are)."""
    problems: dict[str, str] = {}
    if kind not in MODELS:
        problems["model"] = f"one of {', '.join(MODELS)}"
    if not _positive(tau_s):
        problems["tau_s"] = "the mean residence time in seconds, > 0"
    if not (_positive(delay_s) or delay_s == 0):
        problems["delay_s"] = "a dead time in seconds, ≥ 0"
    if kind == "tanks_in_series" and not _positive(n):
        problems["n"] = "the number of tanks, a real number > 0"
    if kind == "axial_dispersion":
        if not _positive(peclet):
            problems["peclet"] = "the Peclet number, > 0"
        if boundary not in BOUNDARIES:
            problems["boundary"] = "closed (Danckwerts, the default) or open"
    return problems


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


@dataclass(frozen=True)
class _Grid:
    t: Array  # seconds after the dead time
    e: Array
    f: Array
    g: Array


@lru_cache(maxsize=64)
def _grid(tau_s: float, peclet: float, boundary: str) -> _Grid:
    """E, F and G of an axial dispersion model on a grid (rtdpy's E, normalised), long enough
    that F reaches 1 − TAIL; cached per parameters (the closed-closed E solves a PDE)."""
    import rtdpy

    span = 4.0 + 12.0 / peclet  # in mean residence times
    time_end = span * tau_s
    dt = time_end / GRID
    if boundary == "closed":
        # rtdpy's PDE grid (nx) fine enough that its numerical dispersion stays under 0.1 %
        # of the variance at high Pe (200 points disperse 3 % at Pe = 1000).
        nx = int(min(1600, max(200, 2 * peclet)))
        model = rtdpy.AD_cc(tau=tau_s, peclet=peclet, dt=dt, time_end=time_end, nx=nx)
    else:  # rtdpy's open-open τ is L/U; the mean is (1 + 2/Pe)·L/U
        model = rtdpy.AD_oo(tau=tau_s / (1 + 2 / peclet), peclet=peclet, dt=dt,
                            time_end=time_end)  # fmt: skip
    t = np.asarray(model.time, dtype=float)
    e = np.clip(np.asarray(model.exitage, dtype=float), 0.0, None)
    t, e = _with_tail(t, e)
    f = cumulative_trapezoid(e, t, initial=0.0)
    e, f = e / f[-1], f / f[-1]
    f = np.maximum.accumulate(np.clip(f, 0.0, 1.0))
    g = cumulative_trapezoid(f, t, initial=0.0)
    return _Grid(t=t, e=e, f=f, g=g)


def _with_tail(t: Array, e: Array) -> tuple[Array, Array]:
    """E past the solved span: both boundary conditions decay exponentially in their tail, so
    the last tenth of the span gives the rate, and the curve goes on until what is left is
    below TAIL."""
    last = slice(int(len(t) * 0.9), len(t))
    inside = e[last] > 0
    if inside.sum() < 10 or e[-1] <= 0:
        return t, e
    slope = np.polyfit(t[last][inside], np.log(e[last][inside]), 1)[0]
    if slope >= 0:
        return t, e
    rate = -slope
    left = e[-1] / rate  # the mass beyond the span
    if left <= TAIL:
        return t, e
    reach = math.log(left / TAIL) / rate
    step = t[1] - t[0]
    extra = t[-1] + step * np.arange(1, int(reach / step) + 2)
    return np.concatenate([t, extra]), np.concatenate([e, e[-1] * np.exp(-rate * (extra - t[-1]))])


@dataclass(frozen=True)
class Charge:
    """A lot in a feeder over `[start, end)` (seconds on one clock; `end` None: still in)."""

    lot: str
    start: float
    end: float | None = None


def window_fractions(
    model: RtdModel, charges: list[Charge], start: float, end: float
) -> dict[str, float]:
    """Each lot's mass fraction in what left the outlet over `[start, end)`, at constant flow:
    the window average of F(t − a) − F(t − b) for every charge `[a, b)` of the lot, exact from
    G = ∫F. Material that entered before the first charge is reported under "" (unknown), so
    the fractions always sum to 1."""
    if not end > start:
        raise RtdError("end: after start")
    width = end - start

    def mean_f(shift: float) -> float:  # the average over the window of F(t − shift)
        g = model.cdf_integral(np.array([end - shift, start - shift]))
        return float(g[0] - g[1]) / width

    fractions: dict[str, float] = {}
    for charge in charges:
        share = mean_f(charge.start) - (mean_f(charge.end) if charge.end is not None else 0.0)
        if share > 0:
            fractions[charge.lot] = fractions.get(charge.lot, 0.0) + share
    known = sum(fractions.values())
    if known < 1 - 1e-12:
        fractions[""] = fractions.get("", 0.0) + (1 - known)
    return fractions
