"""The ranking of a deviation with a target series (the package's docstring says how)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reports.rootcause import stats
from reports.rootcause.engine.changes import departure, nearest, principal
from reports.rootcause.engine.loops import loop_evidence, loops, own_moves
from reports.rootcause.engine.model import (
    CONSEQUENCE,
    EXTRA_TRANSPORT_S,
    FOLLOWS_R2,
    LAG_PRIOR_S,
    LEADER_SHARE,
    MEDIATION_CHECKED,
    TWIN_NOISE,
    WEAK,
    Candidate,
    Event,
    Path,
    Problem,
    Ranking,
    Signal,
    explained,
    nothing,
    rounded,
)
from reports.rootcause.engine.window import rank_window
from reports.rootcause.stats import Array


def rank(problem: Problem) -> Ranking:
    if problem.target is None:
        return rank_window(problem)
    y = stats.filled(problem.target.values)
    if y is None:
        ranking = rank_window(problem)
        ranking.notes.insert(0, f"{problem.target.name} has too few samples in the window: "
                                "candidates are ranked on their changes in the deviation's "
                                "window instead.")  # fmt: skip
        return ranking
    return Ranker(problem, y).run()


class Ranker:
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
        self.onset_spread = 3.0  # how sure the onset is, in blocks (set with it)
        self.onset = self._target_onset(start)
        end = self.n if problem.end is None else min(self.n, max(math.ceil(problem.end),
                                                                  self.onset + 1))  # fmt: skip
        span = max(end - self.onset, 6)
        self.w1 = min(self.n, end + max(6, span // 2))
        self.w0 = max(1, self.onset - max(18, self.w1 - self.onset))
        self.span = self.w1 - self.onset
        self.loops = loops(problem.signals, self.baseline)

    def _target_onset(self, start: int) -> int:
        z = (self.y - self.y_mean) / self.y_sigma
        limit = start + 6 if self.p.end is None else int(self.p.end) + 6
        found = [o for o in stats.onsets(z) if o.alarm <= limit and o.alarm >= self.baseline]
        if not found:
            self.notes.append("No change stands out of the target's noise before the "
                              "deviation: its start is taken as the onset.")  # fmt: skip
            return start

        # The deviation's own change: the largest near its start (noise alarms now and then).
        chosen = principal(z, found, start)
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
            return nothing(signal, evidence, "too few samples in the window")
        loop = self.loops.get(signal.name)
        noise_of = x  # an output's own moves are measured against the output's noise
        if loop is not None and loop.output == signal.name:
            x = own_moves(x, loop)
            evidence["loop"] = loop_evidence(loop, signal.values, x, self.onset, self.w1)
        elif any(each.pv == signal.name for each in self.loops.values()):
            mine = next(each for each in self.loops.values() if each.pv == signal.name)
            evidence["loop"] = {"role": "controlled variable", "set_point": mine.sp,
                                "controller_output": mine.output}  # fmt: skip
        base = x[: self.baseline]
        sigma = stats.noise_scale(noise_of[: self.baseline])
        if sigma == 0.0:
            if np.ptp(x) == 0.0:
                return nothing(signal, evidence, "did not change")
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
        arrived = principal(carried_z, carried_found, self.onset) if carried_found else None
        own = stats.onsets(z)
        onset = None
        if arrived is not None:
            onset = departure(z, own, arrived.start + 1, lag_blocks) or arrived.start
        elif own:
            closest = nearest(own, self.onset - lag_blocks)
            onset = closest.start if closest else None
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
        evidence.update({
            "moves_with_target": twin, "explained_r2": round(fitted.r2, 4),
            "slope": rounded(fitted.slope), "p_value": rounded(fitted.p_value),
            "timing": round(timing, 4), "size_sigma": round(size_sigma, 2), "size": round(size, 4),
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
            # Its shape is known before the grid too (nothing yet): any lag can be tried.
            expected = max(0, round(self.onset - at))
            window = slice(self.w0, self.w1)
            lag_blocks = max(range(max(0, expected - 6), expected + 7), key=lambda lag: stats.r2(
                self.y[window], stats.shifted(event.shape, lag)[window]))  # fmt: skip
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
                       and explained(c) >= LEADER_SHARE * explained(later)
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
