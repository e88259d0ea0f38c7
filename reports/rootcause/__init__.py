"""Root-cause ranking of deviations (API.md `GET /api/v1/ebr/deviations/{number}/root-cause/`).

For a deviation — a window on a line, usually a tag — every tag of the line, lot switch, step
entry (corrections included) and equipment event (changes of state, on/off and set-point
tags) is ranked by how well its change explains the deviation, with the transport delay from
the RTD model where a feeder's path to the outlet has one and from lagged cross-correlation
elsewhere, and by which change began first (engine.py says how; stats.py with which
estimators). Near the deviation the line is read in 10 s blocks from the stored samples; a
look-back longer than two hours is read again in minute blocks from the minute rollups, and
each candidate keeps the better of its two rankings.

    from reports import rootcause
    result = rootcause.rank_deviation(deviation, lookback=timedelta(hours=4))
    body = rootcause.ranking_json(result, series=5)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from audit.canonical import format_ts
from core.errors import DomainError
from ebr.models import Deviation
from historian.selectors import Grid
from reports.rootcause import engine, inputs
from reports.rootcause.engine import Candidate, Ranking

DEFAULT_LOOKBACK = timedelta(hours=2)
MAX_LOOKBACK = timedelta(days=7)
MIN_LOOKBACK = timedelta(minutes=10)

METHOD = (
    "Each candidate is carried to the deviation's tag — through the RTD model from its feeder "
    "to the outlet where one is in force, else shifted by the lag of best cross-correlation "
    "(a long lag less likely than a short one) — and scored 0–1 as the product of how much of "
    "the tag's change it explains (R² over a window around the change), whether the carried "
    "change begins when the tag's does, and how far its own change stands out of its noise "
    "(long-run σ of an AR model of its baseline). Onsets come from a two-sided CUSUM, refined "
    "to where a step fits best. A change that began after the deviation's is a consequence "
    "(× 0.05), as is a signal that repeats the tag itself, its noise included; a change that "
    "an earlier candidate explains follows it and is scored down. Feedback loops: a set-point "
    "X_SP beside X on one unit makes a loop, and the unit's signal that moves as a PI law of "
    "the loop's error is its controller output; only the part of the output's move that the "
    "law leaves unexplained counts, so a controller answering a disturbance or a set-point "
    "change — its output moving before the variable it controls, and as a consequence of the "
    "cause — is not taken for the cause, while an actuator moving on its own still is."
)
CAVEATS = (
    "An unmeasured cause cannot rank: the nearest measured consequence of it ranks instead.",
    "Signals that move in the same 10 s block cannot be ordered in time; only how well they "
    "explain the deviation separates them (a total and one of its parts, two sensors of one "
    "quantity).",
    "Loops are recognised by the X_SP naming and a PI law; cascades, feed-forward, "
    "model-predictive control or a loop without a set-point tag are treated as plain tags, "
    "and their controller outputs may then rank as causes.",
    "Without an RTD model the delay is a pure lag: a cause reaching the deviation through "
    "mixing explains it less well than it should, and an unrelated step shortly before a "
    "step-like deviation explains it as well as the true cause (the lag prior prefers the "
    "nearer).",
    "Events carry no size: a lot switch or an entry is ranked by its timing and the shape of "
    "the deviation, not by evidence that it changed anything.",
    "Scores rank candidates against each other in this deviation; they are not probabilities.",
)


class RootCauseError(DomainError):
    """A request the ranking cannot answer (400, naming the parameter)."""


@dataclass(frozen=True)
class Result:
    deviation: Deviation
    span: inputs.Span
    ranked: list[tuple[Candidate, Grid]]
    target_onset: Any
    notes: list[str]
    window: tuple[Any, Any] | None
    resolutions: list[int]
    targets: dict[int, np.ndarray[Any, Any]]  # the target's block means per grid step


def rank_deviation(
    deviation: Deviation, *, lookback: timedelta = DEFAULT_LOOKBACK,
    tags: Sequence[str] | None = None,
) -> Result:  # fmt: skip
    if not MIN_LOOKBACK <= lookback <= MAX_LOOKBACK:
        raise RootCauseError("window is between 10m and 7d", fields={"window": "out of range"})
    line_tags = inputs.line_tags(deviation, tags)
    if tags:
        unknown = sorted(set(tags) - {t.name for t in line_tags})
        if unknown:
            raise RootCauseError(f"not tags of line {deviation.line.code}: {', '.join(unknown)}",
                                 fields={"tags": "unknown"})  # fmt: skip
    span = inputs.span_of(deviation, lookback)
    fine_from = max(span.before, span.start - inputs.FINE_REACH)
    problem, grid = inputs.problem(deviation, line_tags, span, inputs.FINE_S, fine_from)
    fine = engine.rank(problem)
    passes: list[tuple[Ranking, Grid]] = [(fine, grid)]
    targets = {grid.step_s: problem.target.values} if problem.target else {}
    if span.before < fine_from:
        coarse_problem, coarse_grid = inputs.problem(deviation, line_tags, span, inputs.COARSE_S)
        passes.append((engine.rank(coarse_problem), coarse_grid))
        if coarse_problem.target:
            targets[coarse_grid.step_s] = coarse_problem.target.values
    best: dict[tuple[str, str], tuple[Candidate, Grid]] = {}
    for ranking, on in passes:
        for candidate in ranking.candidates:
            key = (candidate.kind, candidate.ref)
            if key not in best or candidate.score > best[key][0].score:
                best[key] = (candidate, on)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0].score, pair[0].ref))
    onset = None if fine.target_onset is None else grid.at(fine.target_onset)
    notes = list(dict.fromkeys(note for ranking, _ in passes for note in ranking.notes))
    window = (grid.at(fine.window[0]), grid.at(fine.window[1]))
    return Result(deviation, span, ranked, onset, notes, window, [on.step_s for _, on in passes],
                  targets)  # fmt: skip


def ranking_json(result: Result, series: int = 0) -> dict[str, Any]:
    deviation = result.deviation
    body: dict[str, Any] = {
        "deviation": deviation.number,
        "line": deviation.line.code,
        "target": {
            "tag": deviation.tag.name if deviation.tag else None,
            "onset": format_ts(result.target_onset) if result.target_onset else None,
        },
        "window": {"start": format_ts(result.span.before), "end": format_ts(result.span.after)},
        "analysis_window": (
            {"start": format_ts(result.window[0]), "end": format_ts(result.window[1])}
            if result.window
            else None
        ),
        "resolutions_s": result.resolutions,
        "method": METHOD,
        "caveats": list(CAVEATS),
        "notes": result.notes,
        "candidates": [candidate_json(c, on) for c, on in result.ranked],
    }
    if series:
        body["series"] = [chart_json(c, on, result) for c, on in result.ranked[:series]
                          if c.score > 0 and c.carried is not None]  # fmt: skip
    return body


def candidate_json(candidate: Candidate, grid: Grid) -> dict[str, Any]:
    return {
        "kind": candidate.kind,
        "ref": candidate.ref,
        "tag": candidate.tag,
        "score": round(float(candidate.score), 4),
        "lag_s": None if candidate.lag_s is None else round(float(candidate.lag_s), 1),
        "onset": None if candidate.onset is None else format_ts(grid.at(candidate.onset)),
        "evidence": _plain(candidate.evidence),
    }


def chart_json(candidate: Candidate, grid: Grid, result: Result) -> dict[str, Any]:
    """The target beside the candidate carried to it (shifted by its lag, or through the
    RTD), over the analysis window with as much again before it: an evidence chart."""
    target = result.targets.get(grid.step_s)
    first, last = _chart_span(result, grid)
    return {
        "ref": candidate.ref,
        "kind": candidate.kind,
        "tag": candidate.tag,
        "lag_s": candidate.lag_s,
        "lag_source": candidate.evidence.get("lag_source"),
        "start": format_ts(grid.at(first)),
        "step_s": grid.step_s,
        "target": _numbers(target[first:last]) if target is not None else [],
        "carried": _numbers(candidate.carried[first:last]) if candidate.carried is not None
        else [],
        "fitted": _numbers(candidate.fitted[first:last]) if candidate.fitted is not None
        else [],
    }  # fmt: skip


def _chart_span(result: Result, grid: Grid) -> tuple[int, int]:
    assert result.window is not None
    first, last = int(grid.index(result.window[0])), int(grid.index(result.window[1]))
    first = max(0, first - (last - first) // 2)
    return first, min(grid.count, last)


def _numbers(values: np.ndarray[Any, Any]) -> list[float | None]:
    return [None if not math.isfinite(float(v)) else float(f"{float(v):.6g}") for v in values]


def _plain(value: Any) -> Any:
    """JSON-safe: NumPy numbers as Python numbers, non-finite as None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
