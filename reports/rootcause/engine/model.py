"""The engine's inputs and outputs, and the constants of its scoring (see the package's
docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


def explained(candidate: Candidate) -> float:
    return float(candidate.evidence.get("explained_r2", 0.0))


def nothing(signal: Signal, evidence: dict[str, Any], why: str) -> Candidate:
    evidence["note"] = why
    return Candidate("tag", signal.name, signal.name, 0.0, None, None, evidence)


def rounded(value: float) -> float:
    return float(f"{value:.4g}")
