"""Fitting an RTD model to a recorded step or pulse test (API.md `rtd-models/fit/`).

The test is two signals on a 1 s grid: the input at the feeder (x) and the response at the
outlet (y). For parameters θ the model's response is y0 + k·Σ_j Δx_j·(F(t − j) − F(t − j − 1))
— the input's change from its first value, held over each second, through the RTD's step
response F (ebr.rtd for tanks in series; rtdpy's axial dispersion E on the same 1 s grid for
the fit itself) — with the baseline y0 and the gain k solved by linear least squares for every
θ, and θ (n or Pe, τ, dead time) by scipy's bounded least squares. Axial dispersion starts from
the tanks-in-series fit (Pe ≈ 2n). Goodness of fit: R² and RMSE of y.

Pure NumPy/SciPy; the historian is read by ebr.selectors.rtd_fit."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize
from scipy.integrate import cumulative_trapezoid
from scipy.signal import fftconvolve

from ebr.rtd import Array, RtdError, RtdModel

MIN_SAMPLES = 30
# Below this the response does not follow the input: the window holds no test (e.g. only the
# feeder's own noise), and parameters fitted to it would mean nothing.
MIN_R2 = 0.2
CURVE_POINTS = 1500  # curves answered at most this many points


@dataclass(frozen=True)
class Fit:
    model: RtdModel
    gain: float
    baseline: float
    r2: float
    rmse: float
    samples: int
    curves: dict[str, list[float | None]] = field(default_factory=dict)


def _step_response(kind: str, shape: float, tau: float, boundary: str, span: int) -> Array:
    """F at 0, 1, …, span seconds (no dead time)."""
    t = np.arange(span + 1, dtype=float)
    if kind == "tanks_in_series":
        f: Array = RtdModel(kind, tau_s=tau, n=shape).cdf(t)
        return f
    import rtdpy

    # The PDE is solved only until F has all but reached 1 (the grid's span in ebr.rtd).
    span = min(span, math.ceil(tau * (4.0 + 12.0 / shape)) + 2)
    nx = int(min(1600, max(200, 2 * shape)))
    if boundary == "closed":
        model = rtdpy.AD_cc(tau=tau, peclet=shape, dt=1.0, time_end=span + 1, nx=nx)
    else:
        model = rtdpy.AD_oo(tau=tau / (1 + 2 / shape), peclet=shape, dt=1.0, time_end=span + 1)
    grid = np.asarray(model.time, dtype=float)
    e = np.clip(np.asarray(model.exitage, dtype=float), 0.0, None)
    cdf = np.clip(cumulative_trapezoid(e, grid, initial=0.0), 0.0, 1.0)
    return np.interp(t, grid, np.maximum.accumulate(cdf), left=0.0, right=float(cdf[-1]))


def _shape_of(kind: str, theta: Array, x: Array, boundary: str) -> Array:
    """The unit-gain response to the input's changes for parameters θ = (log shape, log τ,
    dead time)."""
    shape, tau, delay = math.exp(theta[0]), math.exp(theta[1]), float(theta[2])
    span = len(x)
    f = _step_response(kind, shape, tau, boundary, span)
    t = np.arange(span + 1, dtype=float)
    shifted = np.interp(t - delay, t, f, left=0.0, right=float(f[-1]))
    kernel = np.diff(shifted, prepend=0.0)  # the share leaving in each second
    change = x - x[0]
    response: Array = fftconvolve(change, kernel)[:span]
    return response


def _solve(shape: Array, y: Array, usable: Array) -> tuple[float, float, Array]:
    """(baseline, gain, residuals) of y ≈ baseline + gain·shape over the usable seconds."""
    design = np.column_stack([np.ones(int(usable.sum())), shape[usable]])
    (baseline, gain), *_ = np.linalg.lstsq(design, y[usable], rcond=None)
    return float(baseline), float(gain), y[usable] - (baseline + gain * shape[usable])


def fit(kind: str, x: Array, y: Array, boundary: str = "closed") -> Fit:
    """Fit `kind` to input x and response y, both sampled every second from the test's start
    (NaN where there is no usable sample)."""
    if kind not in ("tanks_in_series", "axial_dispersion"):
        raise RtdError("model: tanks_in_series or axial_dispersion")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    seen = np.isfinite(x)
    if seen.sum() < MIN_SAMPLES or (usable := np.isfinite(y)).sum() < MIN_SAMPLES:
        raise RtdError(f"start: at least {MIN_SAMPLES} usable seconds of both tags are needed")
    x = _filled(x)
    if float(np.ptp(x)) <= 1e-9 * max(1.0, float(np.abs(x).max())):
        raise RtdError("input_tag: it does not change in the window — choose the window that "
                       "holds the step or pulse")  # fmt: skip
    span = len(x)

    def residuals(theta: Array, model: str) -> Array:
        return _solve(_shape_of(model, theta, x, boundary), y, usable)[2]

    bounds = ([math.log(0.2), math.log(1.0), 0.0], [math.log(500.0), math.log(span), span / 2])
    # Tanks in series first, from a few starts (cheap: closed forms).
    best: Any = None
    for n0 in (1.0, 3.0, 8.0):
        for tau0 in (span / 20, span / 8, span / 3):
            theta0 = np.array([math.log(n0), math.log(max(tau0, 2.0)), 0.0])
            cost = float(np.sum(residuals(theta0, "tanks_in_series") ** 2))
            if best is None or cost < best[0]:
                best = (cost, theta0)
    found = optimize.least_squares(residuals, best[1], args=("tanks_in_series",),
                                   bounds=bounds, x_scale=[1.0, 1.0, 10.0])  # fmt: skip
    theta = found.x
    if kind == "axial_dispersion":  # from the tanks fit: Pe ≈ 2n for the same spread
        start = np.array([math.log(max(2 * math.exp(theta[0]), 0.5)), theta[1], theta[2]])
        start = np.clip(start, bounds[0], bounds[1])
        found = optimize.least_squares(residuals, start, args=(kind,), bounds=bounds,
                                       x_scale=[1.0, 1.0, 10.0], max_nfev=60)  # fmt: skip
        theta = found.x
    shape = _shape_of(kind, theta, x, boundary)
    baseline, gain, rest = _solve(shape, y, usable)
    spread = float(np.sum((y[usable] - y[usable].mean()) ** 2))
    r2 = 1.0 - float(np.sum(rest**2)) / spread if spread > 0 else 0.0
    if r2 < MIN_R2:
        raise RtdError(f"input_tag: the response does not follow it (R² = {r2:.2f}) — choose "
                       "the window that holds the step or pulse, and an output that sees this "
                       "feeder")  # fmt: skip
    size, tau, delay = math.exp(theta[0]), math.exp(theta[1]), float(theta[2])
    model = (
        RtdModel(kind, tau_s=tau, n=size, delay_s=delay)
        if kind == "tanks_in_series"
        else RtdModel(kind, tau_s=tau, peclet=size, boundary=boundary, delay_s=delay)
    )
    fitted = baseline + gain * shape
    return Fit(model, gain, baseline, r2, float(np.sqrt(np.mean(rest**2))), int(usable.sum()),
               _curves(x, y, fitted))  # fmt: skip


def _filled(x: Array) -> Array:
    """The input with its gaps held at the last value (the first usable one before it)."""
    seen = np.flatnonzero(np.isfinite(x))
    index = np.maximum.accumulate(np.where(np.isfinite(x), np.arange(len(x)), -1))
    filled: Array = np.where(index >= 0, x[np.maximum(index, 0)], x[seen[0]])
    return filled


def _curves(x: Array, y: Array, fitted: Array) -> dict[str, list[float | None]]:
    step = max(1, math.ceil(len(x) / CURVE_POINTS))
    pick = np.arange(0, len(x), step)

    def listed(values: Array) -> list[float | None]:
        return [round(float(v), 6) if math.isfinite(v) else None for v in values[pick]]

    return {"t_s": [float(t) for t in pick], "input": listed(x), "measured": listed(y),
            "fitted": listed(fitted)}  # fmt: skip
