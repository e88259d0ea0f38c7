"""The root-cause ranking itself: series on one grid in, ranked candidates out. Pure NumPy (no
database, no dates: block indices), so the known-answer tests feed it simulated plants directly
and reports.rootcause.inputs feeds it the historian and the batch records.

How a candidate is scored (each factor 0–1, their product is the score):

- explained: R² of the target over the analysis window (around the target's change) on the
  candidate carried to the target — through the RTD model where the candidate's unit has one
  to the line's outlet (convolved with its exit-age distribution, plus at most two minutes of
  further transport found by search), else shifted by the lag of best lagged cross-correlation.
- timing: through an RTD the fit over the window judges the timing; by cross-correlation, does
  the carried change begin when the target's does (a Gaussian in the difference,
  σ a quarter of the lag, at least three blocks, or half the time the target's change took to
  be noticed when that is longer — a slow change's onset is less certain)?
- size: how far the candidate's own change stands out of its noise (in long-run σ, 1 − e^(−z/3)).
- lag prior: without a physical path, a long lag is less likely than a short one (e^(−lag/30 min)).
- consequence: a candidate whose change began after the target's is a consequence, not a cause
  (× 0.05, flagged); so is one that moves with the target exactly, its noise included, at no
  lag — the same quantity measured or computed twice; one whose change is explained by an
  earlier candidate's (R² × lag prior ≥ 0.7, the earlier one explaining the target at least
  80 % as well and scoring at least half as high) follows it (× 1 − 0.8·R², and says which).
- feedback loops: a set-point tag `X_SP` beside `X` on one unit makes a loop; the unit's signal
  whose moves follow a PI law of the loop's error is its controller output. The output is
  scored on its own moves only — what the law does not explain — and its score is scaled by
  the share of its move the law leaves unexplained, so a controller answering a disturbance
  or a set-point change (its output moving as early as, or before, what it controls) is not
  taken for a cause, while an actuator moving by itself still is.

Events (lot switches, step entries, changes of state tags) are scored like tags, their shape a
step (or a pulse while a state lasts), with no size factor; without an RTD path their moment is
known, so the delay is the time from it to the target's change (under the lag prior).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reports.rootcause import stats
from reports.rootcause.stats import Array

WEAK = 0.2  # below this best score, the ranking says nothing explains the deviation
TWIN_NOISE = 0.2  # a fit whose residual is below this share of the target's noise: a twin
LAG_PRIOR_S = 1800.0  # e-folding lag of the prior where no RTD model gives the delay
EXTRA_TRANSPORT_S = 120.0  # further transport searched after an RTD path's curve
CONSEQUENCE = 0.05
FOLLOWS_R2 = 0.7
MEDIATION_CHECKED = 12  # the best candidates checked for following one another
LEADER_SHARE = 0.8  # an earlier candidate leads a later one if it explains the target as well


@dataclass(frozen=True)
class Signal:
    """A numeric tag on the grid. `ranked`: a candidate of its own (state and set-point tags
    are ranked through their changes, as events, and serve here to recognise loops)."""

    name: str
    unit: str
    values: Array
    ranked: bool = True


@dataclass(frozen=True)
class Event:
    """A moment something changed: `shape` is its effect over the grid (0 before `at`; 1 from
    then on, or while a state lasts)."""

    kind: str
    ref: str
    at: float
    shape: Array
    unit: str | None = None
    tag: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Path:
    """An RTD from `unit` to the target: the exit-age distribution per block from entry."""

    unit: str
    weights: Array
    mean_s: float
    described: str


@dataclass(frozen=True)
class Problem:
    step_s: int
    signals: list[Signal]
    events: list[Event]
    target: Signal | None
    start: float  # the deviation's start and end, in blocks
    end: float | None
    paths: dict[str, Path] = field(default_factory=dict)


@dataclass
class Candidate:
    kind: str
    ref: str
    tag: str | None
    score: float
    lag_s: float | None
    onset: float | None  # block index where its change began
    evidence: dict[str, Any]
    carried: Array | None = None  # the candidate carried to the target (own units)
    fitted: Array | None = None  # the target as the candidate explains it
    series: Array | None = None  # what was scored (own moves, for a controller output)


@dataclass
class Ranking:
    candidates: list[Candidate]
    target_onset: float | None
    window: tuple[int, int]
    notes: list[str]
    step_s: int


@dataclass(frozen=True)
class _Loop:
    pv: str
    sp: str
    output: str
    law: stats.Law
    error: Array


def rank(problem: Problem) -> Ranking:
    if problem.target is None:
        return _rank_window(problem)
    y = stats.filled(problem.target.values)
    if y is None:
        ranking = _rank_window(problem)
        ranking.notes.insert(0, f"{problem.target.name} has too few samples in the window: "
                                "candidates are ranked on their changes in the deviation's "
                                "window instead.")  # fmt: skip
        return ranking
    return _Ranker(problem, y).run()


class _Ranker:
    def __init__(self, problem: Problem, y: Array) -> None:
        self.p = problem
        self.y = y
        self.n = len(y)
        self.notes: list[str] = []
        start = min(max(int(problem.start), 1), self.n - 1)
        self.baseline = max(8, start // 2)
        self.y_mean = float(y[: self.baseline].mean())
        self.y_sigma = stats.noise_scale(y[: self.baseline]) or float(np.std(y)) or 1.0
        # The target's block-to-block noise (differences remove its slow wander).
        self.y_noise = float(np.std(np.diff(y[: self.baseline]))) / math.sqrt(2.0)
        self.onset = self._target_onset(start)
        end = self.n if problem.end is None else min(self.n, max(math.ceil(problem.end),
                                                                  self.onset + 1))  # fmt: skip
        span = max(end - self.onset, 6)
        self.w1 = min(self.n, end + max(6, span // 2))
        self.w0 = max(1, self.onset - max(18, self.w1 - self.onset))
        self.span = self.w1 - self.onset
        self.loops = _loops(problem.signals, self.baseline)

    def _target_onset(self, start: int) -> int:
        z = (self.y - self.y_mean) / self.y_sigma
        limit = start + 6 if self.p.end is None else int(self.p.end) + 6
        found = [o for o in stats.onsets(z) if o.alarm <= limit and o.alarm >= self.baseline]
        if not found:
            self.notes.append("No change stands out of the target's noise before the "
                              "deviation: its start is taken as the onset.")  # fmt: skip
            return start

        # The deviation's own change: the largest near its start (noise alarms now and then).
        chosen = _principal(z, found, start)
        # How sure the onset is: a slow change is noticed long after it began.
        self.onset_spread = max(3.0, (chosen.alarm - chosen.start) / 2.0)
        return chosen.start

    def run(self) -> Ranking:
        found: list[Candidate] = []
        target_name = self.p.target.name if self.p.target else ""
        for signal in self.p.signals:
            if signal.ranked and signal.name != target_name:
                found.append(self._tag(signal))
        found += [c for c in (self._event(event) for event in self.p.events) if c is not None]
        self._mediation(found)
        found.sort(key=lambda c: (-c.score, c.ref))
        if not found or found[0].score < WEAK:
            self.notes.append(
                f"No candidate explains the change well (best score below {WEAK}): the cause "
                "may be unmeasured, or the measurement itself — a drifting or failing "
                "instrument. Check the instrument, and widen the look-back."
            )
        return Ranking(found, float(self.onset), (self.w0, self.w1), self.notes, self.p.step_s)

    def _path(self, unit: str | None) -> Path | None:
        """The RTD path of a unit, or of the unit it is part of (`L1/FEEDER1/SCREW`)."""
        if not unit:
            return None
        for head, path in self.p.paths.items():
            if unit == head or unit.startswith(head + "/"):
                return path
        return None

    # --- tags ----------------------------------------------------------------------------
    def _tag(self, signal: Signal) -> Candidate:
        x = stats.filled(signal.values)
        evidence: dict[str, Any] = {"resolution_s": self.p.step_s}
        if x is None:
            return _nothing(signal, evidence, "too few samples in the window")
        loop = self.loops.get(signal.name)
        noise_of = x  # an output's own moves are measured against the output's noise
        if loop is not None and loop.output == signal.name:
            x = _own_moves(x, loop)
            evidence["loop"] = _loop_evidence(loop, signal.values, x, self.onset, self.w1)
        elif any(each.pv == signal.name for each in self.loops.values()):
            mine = next(each for each in self.loops.values() if each.pv == signal.name)
            evidence["loop"] = {"role": "controlled variable", "set_point": mine.sp,
                                "controller_output": mine.output}  # fmt: skip
        base = x[: self.baseline]
        sigma = stats.noise_scale(noise_of[: self.baseline])
        if sigma == 0.0:
            if np.ptp(x) == 0.0:
                return _nothing(signal, evidence, "did not change")
            sigma = float(np.ptp(x)) * 1e-3
        z = (x - float(base.mean())) / sigma
        carried, lag_blocks, lag_s, source = self._carry(x, signal.unit)
        evidence.update({"lag_source": source, "unit": signal.unit})
        if source == "rtd":
            evidence["rtd_model"] = self._path(signal.unit).described  # type: ignore[union-attr]
        window = slice(self.w0, self.w1)
        fitted = stats.fit(self.y[window], carried[window])
        carried_z = (carried - float(carried[: self.baseline].mean())) / sigma
        carried_found = stats.onsets(carried_z)
        arrived = _principal(carried_z, carried_found, self.onset) if carried_found else None
        own = stats.onsets(z)
        onset = None
        if arrived is not None:
            onset = _departure(z, own, arrived.start + 1, lag_blocks) or arrived.start
        elif own:
            nearest = _nearest(own, self.onset - lag_blocks)
            onset = nearest.start if nearest else None
        timing = 0.0
        if source == "rtd":  # the RTD carries the timing: the fit over the window judges it
            timing = 1.0 if arrived is not None else 0.0
        elif arrived is not None:
            width = max(self.onset_spread, 0.25 * lag_blocks)
            timing = math.exp(-0.5 * ((self.onset - arrived.start) / width) ** 2)
        size_sigma = 0.0
        if onset is not None:
            stretch = z[onset : min(self.n, onset + max(3, self.span))]
            size_sigma = float(np.abs(stretch).mean()) if len(stretch) else 0.0
        size = 1.0 - math.exp(-size_sigma / 3.0)
        prior = 1.0 if source == "rtd" else math.exp(-lag_s / LAG_PRIOR_S)
        score = fitted.r2 * timing * size * prior
        if "loop" in evidence and evidence["loop"]["role"] == "controller output":
            # What the controller did answering its error is no cause: only the rest counts.
            score *= 1.0 - evidence["loop"]["move_explained_by_controller"]
        consequence = onset is not None and onset > self.onset + 1
        # Explaining the target's noise too, at no lag: the same quantity measured or computed
        # twice (a fill depth derived from the weight), which says nothing of the cause.
        residual = math.sqrt(max(0.0, 1.0 - fitted.r2) * float(np.var(self.y[window])))
        twin = lag_blocks == 0 and residual < TWIN_NOISE * self.y_noise
        if consequence or twin:
            score *= CONSEQUENCE
        evidence.update({"moves_with_target": twin})
        evidence.update({
            "explained_r2": round(fitted.r2, 4), "slope": _round(fitted.slope),
            "p_value": _round(fitted.p_value), "timing": round(timing, 4),
            "size_sigma": round(size_sigma, 2), "size": round(size, 4),
            "lag_prior": round(prior, 4), "consequence": consequence,
        })  # fmt: skip
        return Candidate("tag", signal.name, signal.name, score, lag_s,
                         None if onset is None else float(onset), evidence, carried,
                         fitted.predict(carried), x)  # fmt: skip

    def _carry(self, x: Array, unit: str | None) -> tuple[Array, int, float, str]:
        """x carried to the target: (carried, lag in blocks, lag in s, how the lag was had)."""
        step = self.p.step_s
        path = self._path(unit)
        if path is not None:
            through = stats.convolved(x, path.weights)
            extra = np.arange(0, min(int(EXTRA_TRANSPORT_S // step), self.w0) + 1)
            best = int(extra[int(np.argmax(stats.lagged_r2(self.y, through, self.w0, self.w1,
                                                            extra)))])  # fmt: skip
            carried = stats.shifted(through, best)
            lag_s = path.mean_s + best * step
            return carried, round(lag_s / step), lag_s, "rtd"
        lags = np.arange(0, self.w0 + 1)
        r2 = stats.lagged_r2(self.y, x, self.w0, self.w1, lags)
        weighted = r2 * np.exp(-lags * step / LAG_PRIOR_S)
        best = int(lags[int(np.argmax(weighted))])
        return stats.shifted(x, best), best, float(best * step), "cross_correlation"

    # --- events --------------------------------------------------------------------------
    def _event(self, event: Event) -> Candidate | None:
        evidence: dict[str, Any] = {"resolution_s": self.p.step_s, "unit": event.unit,
                                    **event.detail}  # fmt: skip
        step = self.p.step_s
        at = event.at
        if at > self.w1:
            return None
        path = self._path(event.unit)
        if path is not None:
            carried, lag_blocks, lag_s, source = self._carry(event.shape, event.unit)
            evidence["rtd_model"] = path.described
        else:
            expected = max(0, round(self.onset - at))
            lags = np.arange(max(0, expected - 6), min(expected + 6, self.w0) + 1)
            if len(lags) == 0:
                return None
            r2 = stats.lagged_r2(self.y, event.shape, self.w0, self.w1, lags)
            lag_blocks = int(lags[int(np.argmax(r2))])
            carried, lag_s, source = stats.shifted(event.shape, lag_blocks), lag_blocks * step, \
                "event"  # fmt: skip
        evidence["lag_source"] = source
        window = slice(self.w0, self.w1)
        fitted = stats.fit(self.y[window], carried[window])
        if path is not None:  # does the change arrive through the RTD when the target's began?
            width = max(self.onset_spread, 0.25 * lag_blocks)
            timing = math.exp(-0.5 * ((self.onset - at - lag_blocks) / width) ** 2)
            prior = 1.0
        else:  # the moment is known: the delay is the time from it to the target's change
            timing = 1.0
            lag_s = max(0.0, self.onset - at) * step
            prior = math.exp(-lag_s / LAG_PRIOR_S)
        consequence = at > self.onset + 1
        score = fitted.r2 * timing * prior * (CONSEQUENCE if consequence else 1.0)
        evidence.update({
            "explained_r2": round(fitted.r2, 4), "timing": round(timing, 4),
            "lag_prior": round(prior, 4), "consequence": consequence,
        })  # fmt: skip
        return Candidate(event.kind, event.ref, event.tag, score, float(lag_s), at, evidence,
                         carried, fitted.predict(carried), event.shape)  # fmt: skip

    # --- what follows what ---------------------------------------------------------------
    def _mediation(self, found: list[Candidate]) -> None:
        """A candidate whose change is explained by an earlier candidate's follows it: it may
        carry the cause to the target, but it is not the root."""
        best = sorted((c for c in found if c.onset is not None and c.series is not None
                       and c.score > 0.01), key=lambda c: -c.score)[:MEDIATION_CHECKED]  # fmt: skip
        for later in sorted(best, key=lambda c: c.onset or 0.0):
            assert later.onset is not None
            assert later.series is not None
            b0 = int(later.onset)
            w0, w1 = max(1, b0 - max(18, self.span)), min(self.n, b0 + max(6, self.span))
            leaders = [c for c in best if c.onset is not None and c.onset < later.onset - 1
                       and _explained(c) >= LEADER_SHARE * _explained(later)
                       and c.score >= 0.5 * later.score]  # fmt: skip
            strongest: tuple[float, Candidate] | None = None
            for earlier in leaders:
                assert earlier.onset is not None
                assert earlier.series is not None
                reach = int(later.onset - earlier.onset) + 6
                lags = np.arange(0, min(reach, w0) + 1)
                # As for the target, a long lag is less likely than a short one.
                prior = np.exp(-lags * self.p.step_s / LAG_PRIOR_S)
                r2 = max(float((stats.lagged_r2(later.series, leader, w0, w1, lags) * prior).max())
                         for leader in self._leading(earlier))  # fmt: skip
                if r2 >= FOLLOWS_R2 and (strongest is None or r2 > strongest[0]):
                    strongest = (r2, earlier)
            if strongest is not None:
                r2, earlier = strongest
                later.score *= 1.0 - 0.8 * r2
                later.evidence["follows"] = {"ref": earlier.ref, "r2": round(r2, 4)}

    def _leading(self, candidate: Candidate) -> list[Array]:
        """What an earlier candidate's change looks like where it may reach a later one: as it
        is, and for a tag through its RTD path where it has one."""
        assert candidate.series is not None
        path = self._path(candidate.evidence.get("unit"))
        if path is None or candidate.kind != "tag":
            return [candidate.series]
        return [candidate.series, stats.convolved(candidate.series, path.weights)]


def _rank_window(problem: Problem) -> Ranking:
    """No target series: each candidate's change inside the deviation's window, the nearer its
    onset to the deviation's start and the larger it stands out, the higher."""
    start = max(int(problem.start), 1)
    n = max((len(s.values) for s in problem.signals), default=start + 1)
    end = n if problem.end is None else min(n, max(math.ceil(problem.end), start + 1))
    width = max(6.0, (end - start) / 2)
    baseline = max(8, start // 2)
    found: list[Candidate] = []
    for signal in problem.signals:
        if not signal.ranked:
            continue
        evidence: dict[str, Any] = {"resolution_s": problem.step_s, "lag_source": "window"}
        x = stats.filled(signal.values)
        if x is None:
            found.append(_nothing(signal, evidence, "too few samples in the window"))
            continue
        sigma = stats.noise_scale(x[:baseline]) or float(np.ptp(x)) * 1e-3
        if sigma == 0.0:
            found.append(_nothing(signal, evidence, "did not change"))
            continue
        z = (x - float(x[:baseline].mean())) / sigma
        inside = [o for o in stats.onsets(z) if start - 3 * width <= o.start <= end]
        if not inside:
            found.append(_nothing(signal, evidence, "no change near the deviation"))
            continue
        onset = min(inside, key=lambda o: abs(o.start - start)).start
        size_sigma = float(np.abs(z[onset : end + 1]).mean())
        size = 1.0 - math.exp(-size_sigma / 3.0)
        timing = math.exp(-0.5 * ((onset - start) / width) ** 2)
        evidence.update({"timing": round(timing, 4), "size_sigma": round(size_sigma, 2),
                         "size": round(size, 4), "after_start": onset > start + 1})  # fmt: skip
        found.append(Candidate("tag", signal.name, signal.name, size * timing,
                               float(max(0, start - onset) * problem.step_s), float(onset),
                               evidence, series=x))  # fmt: skip
    for event in problem.events:
        if not start - 3 * width <= event.at <= end:
            continue
        timing = math.exp(-0.5 * ((event.at - start) / width) ** 2)
        found.append(Candidate(event.kind, event.ref, event.tag, timing,
                               float(max(0.0, start - event.at) * problem.step_s), event.at,
                               {"resolution_s": problem.step_s, "lag_source": "window",
                                "timing": round(timing, 4), "after_start": event.at > start + 1,
                                **event.detail},
                               series=event.shape))  # fmt: skip
    found.sort(key=lambda c: (-c.score, c.ref))
    note = (
        "The deviation names no tag: candidates are ranked on how much they changed near "
        "its start, not on how well they explain a measured target."
    )
    return Ranking(found, None, (max(0, int(start - 3 * width)), end), [note], problem.step_s)


def _explained(candidate: Candidate) -> float:
    return float(candidate.evidence.get("explained_r2", 0.0))


def _nothing(signal: Signal, evidence: dict[str, Any], why: str) -> Candidate:
    evidence["note"] = why
    return Candidate("tag", signal.name, signal.name, 0.0, None, None, evidence)


def _departure(z: Array, found: list[stats.Onset], until: int, lag: int) -> int | None:
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


def _principal(z: Array, found: list[stats.Onset], near: float) -> stats.Onset:
    """The change that matters near block `near`: the largest shift, discounted by distance
    (noise alarms now and then), taken from the start of its episode."""

    def weight(o: stats.Onset) -> float:
        shift = float(np.abs(z[o.start : o.start + 12]).mean())
        return shift / (1.0 + abs(o.alarm - near) / 60.0)

    return stats.episode(z, found, max(found, key=weight))


def _nearest(found: list[stats.Onset], block: float) -> stats.Onset | None:
    return min(found, key=lambda o: abs(o.start - block)) if found else None


def _round(value: float) -> float:
    return float(f"{value:.4g}")


# --- feedback loops ----------------------------------------------------------------------
def _loops(signals: list[Signal], baseline: int) -> dict[str, _Loop]:
    """The loops among the signals, by every member's name: a set-point `X_SP` beside `X` on
    one unit, and the unit's signal whose moves best follow a PI law of X's error."""
    by_name = {s.name: s for s in signals}
    found: dict[str, _Loop] = {}
    for sp in signals:
        if not sp.name.endswith("_SP") or sp.name[:-3] not in by_name:
            continue
        pv = by_name[sp.name[:-3]]
        sp_values, pv_values = stats.filled(sp.values), stats.filled(pv.values)
        if sp_values is None or pv_values is None or pv.unit != sp.unit:
            continue
        error = sp_values - pv_values
        best: tuple[stats.Law, Signal] | None = None
        for other in signals:
            if other.unit != pv.unit or other.name in (sp.name, pv.name) or not other.ranked:
                continue
            values = stats.filled(other.values)
            law = (
                None
                if values is None
                else stats.controller_law(values[:baseline], error[:baseline])
            )
            if law is not None and (best is None or law.r2 > best[0].r2):
                best = (law, other)
        if best is not None:
            loop = _Loop(pv.name, sp.name, best[1].name, best[0], error)
            found.update({pv.name: loop, sp.name: loop, best[1].name: loop})
    return found


def _own_moves(output: Array, loop: _Loop) -> Array:
    """The output's moves the controller's law does not explain, accumulated: flat while the
    controller only answers its error (held where the output sits at the end of its range
    and the law would push it further)."""
    actual = np.diff(output, prepend=output[0])
    predicted = loop.law.moves(loop.error)
    top, bottom = float(output.max()), float(output.min())
    tolerance = 1e-3 * max(top - bottom, 1e-12)
    pinned = ((output >= top - tolerance) & (predicted > actual)) | (
        (output <= bottom + tolerance) & (predicted < actual)
    )
    residual = np.where(pinned, 0.0, actual - predicted)
    own: Array = output[0] + np.cumsum(residual)
    return own


def _loop_evidence(loop: _Loop, raw: Array, own: Array, onset: int, w1: int) -> dict[str, Any]:
    values = stats.filled(raw)
    moved = 0.0 if values is None else float(np.ptp(values[max(0, onset - 6) : w1]))
    kept = float(np.ptp(own[max(0, onset - 6) : w1]))
    share = 0.0 if moved == 0.0 else max(0.0, 1.0 - kept / moved)
    return {"role": "controller output", "controlled_variable": loop.pv, "set_point": loop.sp,
            "law_r2": round(loop.law.r2, 4), "kc": _round(loop.law.kc), "ki": _round(loop.law.ki),
            "move_explained_by_controller": round(share, 4)}  # fmt: skip
