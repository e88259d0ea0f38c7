"""A deviation without a target series: its candidates ranked on their changes inside its
window."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from reports.rootcause import stats
from reports.rootcause.engine.model import Candidate, Problem, Ranking, nothing


def rank_window(problem: Problem) -> Ranking:
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
            found.append(nothing(signal, evidence, "too few samples in the window"))
            continue
        sigma = stats.noise_scale(x[:baseline]) or float(np.ptp(x)) * 1e-3
        if sigma == 0.0:
            found.append(nothing(signal, evidence, "did not change"))
            continue
        z = (x - float(x[:baseline].mean())) / sigma
        inside = [o for o in stats.onsets(z) if start - 3 * width <= o.start <= end]
        if not inside:
            found.append(nothing(signal, evidence, "no change near the deviation"))
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
