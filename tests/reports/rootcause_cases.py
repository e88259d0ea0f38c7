"""Known-answer cases for the root-cause ranking: the line simulator with a planted fault, and
the independent plant B (tests/reports/plant_b.py) with feedback loops, each in 10 s block
means with sixty decoy tags beside the plant's own, turned into the engine's Problem.

Decoys: autoregressive noise, random walks, steps and pulses at random times — kept out of the
20 minutes before the fault, since an unrelated change of the same shape just before it is a
confounder no ranking can tell from the cause — and changes that begin after the deviation's
(consequences, up to 20 minutes later)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from ebr.rtd import RtdModel
from historian.simulator import (
    BLENDER_DEAD,
    BLENDER_TANKS,
    BLENDER_TAU,
    Fault,
    Simulator,
    tag_definitions,
)
from reports.rootcause import engine
from tests.reports.plant_b import TAGS, PlantB

STEP = 10
HOURS = 2.5
FAULT_AT = 7200  # s


def decoys(blocks: int, fault: int, target: int, seed: int, count: int = 60) -> list[engine.Signal]:
    rng = np.random.default_rng(1000 + seed)

    def away(low: int, high: int) -> int:
        while True:
            k = int(rng.integers(low, high))
            if not fault - 120 <= k <= fault + 6:
                return k

    found = []
    for i in range(count):
        noise = rng.normal(0, 1, blocks)
        kind = i % 5
        if kind == 0:  # autoregressive noise
            x = np.zeros(blocks)
            for k in range(1, blocks):
                x[k] = 0.9 * x[k - 1] + noise[k]
        elif kind == 1:  # a random walk
            x = np.cumsum(noise)
        elif kind == 2:  # a step at a random time
            x = noise.copy()
            x[away(50, blocks - 20) :] += rng.uniform(3, 8)
        elif kind == 3:  # a pulse at a random time
            x = noise.copy()
            at = away(50, blocks - 60)
            x[at : at + int(rng.integers(10, 60))] -= rng.uniform(3, 8)
        else:  # moves after the deviation began: a consequence
            x = noise.copy()
            at = target + int(rng.integers(2, 120))
            x[at : at + 36] += rng.uniform(3, 8)
        found.append(engine.Signal(f"DECOY.{i:02d}", "X/DECOY", x))
    return found


def _blocks(values: np.ndarray) -> np.ndarray:
    n = len(values) // STEP
    return np.nanmean(values[: n * STEP].reshape(n, STEP), axis=1)


def _pulse_events(name: str, unit: str, values: np.ndarray, blocks: int) -> list[engine.Event]:
    """Departures of an on/off signal from its usual state, as the historian's reader makes
    them (reports.rootcause.inputs)."""
    usual = 1.0 if np.nanmean(values) > 0.5 else 0.0
    events, i = [], 1
    while i < len(values):
        if values[i] != usual and values[i - 1] == usual:
            j = i
            while j < len(values) and values[j] != usual:
                j += 1
            shape = np.zeros(blocks)
            shape[i // STEP : (j + STEP - 1) // STEP] = 1.0
            events.append(engine.Event("equipment_event", f"{name}@{i}", i / STEP, shape, unit,
                                       name))  # fmt: skip
            i = j
        i += 1
    return events


def _change_events(name: str, unit: str, values: list, blocks: int) -> list[engine.Event]:
    events = []
    for i in range(1, len(values)):
        if values[i] != values[i - 1]:
            shape = np.zeros(blocks)
            shape[i // STEP :] = 1.0
            events.append(engine.Event("equipment_event", name, i / STEP, shape, unit, name))
    return events


@lru_cache(maxsize=8)
def _line(fault: str, seed: int) -> dict[str, list]:
    sim = Simulator("L1", datetime(2026, 1, 1, tzinfo=UTC), seed=seed, faults=[Fault.parse(fault)])
    data: dict[str, list] = {}
    for second in sim.samples(int(HOURS * 3600)):
        for item in second:
            data.setdefault(item["tag"], []).append(item["value"])
    return data


def blender_path(unit: str) -> engine.Path:
    """The simulator's blender (dead time, then tanks in series) as an RTD path per block."""
    model = RtdModel("tanks_in_series", BLENDER_TAU, n=float(BLENDER_TANKS),
                     delay_s=float(BLENDER_DEAD))  # fmt: skip
    edges = np.arange(0.0, 3000.0 + STEP, STEP)
    weights = np.diff(model.cdf(edges))
    return engine.Path(unit, weights / weights.sum(), BLENDER_TAU + BLENDER_DEAD, model.describe())


def simulator_problem(fault: str, target: str, seed: int) -> engine.Problem:
    """The line simulator with `fault`, the deviation on `target` from a minute after the fault
    began until three minutes after it ended."""
    planted = Fault.parse(fault)
    data = _line(fault, seed)
    definitions = {d["name"]: d for d in tag_definitions("L1")}
    blocks = int(HOURS * 3600) // STEP
    signals: list[engine.Signal] = []
    events: list[engine.Event] = []
    for name, values in data.items():
        d = definitions[name]
        if d["value_type"] == "string":
            events += _change_events(name, d["equipment"], values, blocks)
            continue
        numbers = np.array([np.nan if v is None else float(v) for v in values])
        state = d["value_type"] == "bool" or bool(d["step"])
        signals.append(engine.Signal(name, d["equipment"], _blocks(numbers), ranked=not state))
        if d["value_type"] == "bool":
            events += _pulse_events(name, d["equipment"], numbers, blocks)
    start = (planted.start + 60) / STEP
    signals += decoys(blocks, int(planted.start) // STEP, int(start), seed)
    paths = {f"L1/FEEDER{i}": blender_path(f"L1/FEEDER{i}") for i in (1, 2, 3)}
    chosen = next(s for s in signals if s.name == target)
    return engine.Problem(STEP, signals, events, chosen, start, (planted.end + 180) / STEP, paths)


def plant_b_problem(fault: str, seed: int) -> engine.Problem:
    """Plant B with `fault` at two hours, the deviation on the dryer's LOD from when it left
    six standard deviations of its baseline, for twenty minutes."""
    data = PlantB(seed, fault, FAULT_AT).samples(int(HOURS * 3600))
    blocks = int(HOURS * 3600) // STEP
    lod = data["G2.DRYER.LOD"]
    baseline = lod[:FAULT_AT]
    crossing = FAULT_AT + int(np.argmax(np.abs(lod[FAULT_AT:] - baseline.mean())
                                        > 6 * baseline.std()))  # fmt: skip
    signals: list[engine.Signal] = []
    events: list[engine.Event] = []
    for name, (unit, step) in TAGS.items():
        signals.append(engine.Signal(name, unit, _blocks(data[name]), ranked=not step))
        if step:
            events += _change_events(name, unit, list(data[name]), blocks)
    signals += decoys(blocks, FAULT_AT // STEP, crossing // STEP, seed)
    target = next(s for s in signals if s.name == "G2.DRYER.LOD")
    end = min(crossing + 1200, int(HOURS * 3600))
    return engine.Problem(STEP, signals, events, target, crossing / STEP, end / STEP, {})
