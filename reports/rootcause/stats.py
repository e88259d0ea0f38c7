"""The statistics of the root-cause ranking, on series of block means (NumPy arrays, one value
per block of the analysis grid). The estimators come from maintained libraries: autoregressive
noise models and least squares from statsmodels, convolution from SciPy; what is written here
is only how they are combined.

- `noise_scale`: the long-run standard deviation of a signal's baseline, from an AR(p) fit
  (statsmodels AutoReg): autocorrelated noise wanders further than its one-block spread, and a
  change must stand out of that wander to count.
- `onsets`: Page's two-sided CUSUM over the standardised signal (reference 0.5 σ, decision
  interval 5 σ); each alarm's onset is where, since the sum last stood at zero, a step to the
  new level fits best — when the change began, not when it was noticed.
- `lagged_r2`: the squared correlation of the target's window with the candidate shifted by
  every lag at once (the lagged cross-correlation that estimates a transport delay where no
  RTD model gives one).
- `fit`: ordinary least squares of the target on one predictor (statsmodels OLS): R², slope
  and its p-value.
- `controller_law`: a PI controller's velocity law ΔOP = Kc·Δe + Ki·e fitted by OLS, which
  recognises a control loop's output and separates what the controller did from the rest.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import fftconvolve
from statsmodels.regression.linear_model import OLS
from statsmodels.tools import add_constant
from statsmodels.tsa.ar_model import AutoReg

Array = np.ndarray[Any, np.dtype[np.float64]]

CUSUM_K = 0.5  # reference value, in σ: shifts smaller than twice this go unnoticed
CUSUM_H = 5.0  # decision interval, in σ
AR_ORDER = 5


def filled(values: Array, least: float = 0.5) -> Array | None:
    """The series with its gaps (NaN) filled linearly between the blocks around them (held at
    the ends), or None when fewer than `least` of the blocks hold a value."""
    good = np.isfinite(values)
    if good.sum() < max(3, least * len(values)):
        return None
    if good.all():
        return values.astype(float)
    index = np.arange(len(values))
    return np.interp(index, index[good], values[good])


def noise_scale(baseline: Array) -> float:
    """The long-run standard deviation of the baseline: σ of the AR innovations divided by
    |1 − Σφ| (bounded between the plain standard deviation and three times it), or 0 for a
    constant baseline."""
    plain = float(np.std(baseline))
    if plain == 0.0 or len(baseline) < 4 * AR_ORDER:
        return plain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns about index types and convergence
        fitted = AutoReg(baseline - baseline.mean(), lags=AR_ORDER, trend="n").fit()
    persistence = abs(1.0 - float(np.sum(fitted.params)))
    if persistence < 1e-9 or not math.isfinite(float(fitted.sigma2)):
        return 3.0 * plain
    long_run = math.sqrt(float(fitted.sigma2)) / persistence
    return float(min(max(long_run, plain), 3.0 * plain))


@dataclass(frozen=True)
class Onset:
    """A change found by the CUSUM: it began at block `start`, was certain at `alarm`, in the
    direction `sign` (+1 up, −1 down)."""

    start: int
    alarm: int
    sign: int


def onsets(z: Array, k: float = CUSUM_K, h: float = CUSUM_H) -> list[Onset]:
    """Every change of the standardised series z (in σ from its baseline), in time order.
    After each alarm the CUSUM restarts from the new level (the mean since the onset), so a
    shift that persists is one change and a further change after a false alarm is still seen."""
    found: list[Onset] = []
    level = 0.0
    high = low = 0.0
    high_from = low_from = 0
    for i, value in enumerate(z):
        if high <= 0.0:
            high_from = i
        if low <= 0.0:
            low_from = i
        high = max(0.0, high + float(value) - level - k)
        low = max(0.0, low - float(value) + level - k)
        if high > h or low > h:
            sign = 1 if high > h else -1
            start = _change_point(z - level, high_from if sign > 0 else low_from, i, sign)
            found.append(Onset(start, i, sign))
            level = float(z[start : i + 1].mean())
            high = low = 0.0
    return found


def episode(z: Array, found: list[Onset], chosen: Onset, gap: int = 6) -> Onset:
    """The first change of the run of same-direction changes that `chosen` ends (a ramp or a
    growing shift alarms again and again as the CUSUM restarts from each new level) — one that
    follows within `gap` blocks, or later while the series stayed beyond 2 σ of its baseline
    on average: its onset is when the episode began, its alarm `chosen`'s."""
    first = chosen
    for earlier in reversed(found[: found.index(chosen)]):
        if earlier.sign != chosen.sign:
            break
        between = chosen.sign * z[earlier.alarm : first.start + 1]
        near = first.start - earlier.alarm <= gap
        if not near and (not len(between) or float(between.mean()) <= 2.0):
            break
        first = earlier
    return Onset(first.start, chosen.alarm, chosen.sign)


def _change_point(z: Array, since: int, alarm: int, sign: int) -> int:
    """Where, between the sum's last zero and the alarm, a step from the baseline (0) to a
    new level fits best (least squares): noise can keep the sum above zero for a while before
    the change, and the change began where the step fits, not where the sum left zero."""
    run = sign * z[since : alarm + 1]
    tail = np.cumsum(run[::-1])[::-1]  # Σ from t to the alarm
    count = np.arange(len(run), 0, -1)
    gain = np.where(tail > 0, tail * tail / count, -np.inf)
    best = int(np.argmax(gain))
    # Not before the last block clearly on the other side of the baseline (a slow or noisy
    # change makes the step fit reach back into the noise).
    across = np.nonzero(run <= -1.0)[0]
    return since + max(best, int(across[-1]) + 1 if len(across) else 0)


def lagged_r2(y: Array, x: Array, w0: int, w1: int, lags: Any) -> Array:
    """R² of y[w0:w1] against x[w0−ℓ:w1−ℓ] for each lag ℓ of `lags` (all ≥ 0, ℓ ≤ w0): the
    squared correlation, 0 where either side is constant."""
    width = w1 - w0
    target = y[w0:w1] - y[w0:w1].mean()
    t_norm = float(np.sqrt(np.sum(target * target)))
    windows = sliding_window_view(x[:w1], width)  # row s is x[s : s + width]
    shifted = windows[w0 - lags]
    centred = shifted - shifted.mean(axis=1, keepdims=True)
    norms = np.sqrt(np.sum(centred * centred, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = centred @ target / (norms * t_norm)
    found: Array = np.nan_to_num(r * r, nan=0.0)
    return found


def shifted(x: Array, lag: int) -> Array:
    """x delayed by `lag` blocks (the first `lag` blocks hold x's first value)."""
    if lag <= 0:
        return x.copy()
    if lag >= len(x):
        return np.full(len(x), x[0])
    return np.concatenate([np.full(lag, x[0]), x[:-lag]])


def convolved(x: Array, weights: Array) -> Array:
    """x's departures from its first value carried through an impulse response given per
    block (weights summing to 1): what arrives downstream, block by block."""
    base = x[0]
    carried: Array = base + fftconvolve(x - base, weights)[: len(x)]
    return carried


def r2(y: Array, p: Array) -> float:
    """The squared correlation of y and p (0 where either is constant): a quick R² for
    searches; `fit` gives the full statistics of the one chosen."""
    if np.std(p) == 0.0 or np.std(y) == 0.0:
        return 0.0
    return float(np.corrcoef(y, p)[0, 1] ** 2)


@dataclass(frozen=True)
class Fit:
    r2: float
    slope: float
    intercept: float
    p_value: float

    def predict(self, p: Array) -> Array:
        return self.intercept + self.slope * p


def fit(y: Array, p: Array) -> Fit:
    """y ≈ a + b·p by least squares (statsmodels OLS) over the whole of the arrays given."""
    if np.std(p) == 0.0 or np.std(y) == 0.0:
        return Fit(0.0, 0.0, float(np.mean(y)), 1.0)
    result = OLS(y, add_constant(p, has_constant="add")).fit()
    return Fit(float(result.rsquared), float(result.params[1]), float(result.params[0]),
               float(result.pvalues[1]))  # fmt: skip


@dataclass(frozen=True)
class Law:
    """A PI controller's velocity law fitted to an output: ΔOP ≈ kc·Δe + ki·e per block."""

    kc: float
    ki: float
    r2: float

    def moves(self, error: Array) -> Array:
        """The output's move each block that the law predicts from the error (0 for the
        first)."""
        d_error = np.diff(error, prepend=error[0])
        return self.kc * d_error + self.ki * error


def controller_law(output: Array, error: Array) -> Law | None:
    """The law, when `output` is a PI controller's answer to `error` (e = SP − PV): the
    integral term significant (p < 0.001) — the output keeps moving while an error persists,
    the mark of a controller — and the law explaining at least half of the output's moves;
    else None. (The proportional term is fitted but not required: on blocks longer than the
    loop's settling time it blurs into the integral and may take either sign.)"""
    if len(output) < 30 or np.std(np.diff(output)) == 0.0:
        return None
    d_out = np.diff(output)
    regressors = np.column_stack([np.diff(error), error[1:]])
    if np.linalg.matrix_rank(regressors) < 2:
        return None
    result = OLS(d_out, regressors).fit()
    kc, ki = (float(v) for v in result.params)
    if float(result.pvalues[1]) >= 1e-3 or float(result.rsquared) < 0.5:
        return None
    return Law(kc, ki, float(result.rsquared))
