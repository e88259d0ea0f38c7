"""Known answers for the root-cause ranking (reports.rootcause.engine): faults planted by the
line simulator must rank their cause first among the line's own tags and sixty decoys
(including decoys and consequences that move after the fault); on plant B, a model of our own
with three PI loops that the simulator did not produce, the true cause must rank in the top 3
— set-point changes whose controller output moves before the variable it controls, and
disturbances the loops answer, included."""

from __future__ import annotations

import numpy as np
import pytest

from reports.rootcause import engine
from tests.reports.plant_b import CAUSES, FAULTS
from tests.reports.rootcause_cases import plant_b_problem, simulator_problem

SIMULATOR_CASES = [
    ("feeder_drop@2h+6m:feeder=FEEDER1,factor=0.55", "L1.NIR.API_CONC", "L1.FEEDER1.MASSFLOW"),
    ("feeder_drop@2h+6m:feeder=FEEDER1,factor=0.55", "L1.PRESS.TABLET_WEIGHT",
     "L1.FEEDER1.MASSFLOW"),
    ("feeder_drop@2h+4m:feeder=FEEDER2,factor=0.7", "L1.NIR.API_CONC", "L1.FEEDER2.MASSFLOW"),
    ("feeder_drop@2h+4m:feeder=FEEDER2,factor=0.7", "L1.PRESS.TABLET_WEIGHT",
     "L1.FEEDER2.MASSFLOW"),
    ("force_spike@2h+2m:kN=7", "L1.PRESS.HARDNESS", "L1.PRESS.MAIN_FORCE"),
]  # fmt: skip


def position(ranking: engine.Ranking, kind: str, ref: str) -> int:
    return next(i for i, c in enumerate(ranking.candidates, 1) if (c.kind, c.ref) == (kind, ref))


def by_ref(ranking: engine.Ranking, ref: str) -> engine.Candidate:
    return next(c for c in ranking.candidates if c.ref == ref)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("fault", "target", "cause"), SIMULATOR_CASES)
def test_a_planted_fault_ranks_its_cause_first(fault: str, target: str, cause: str,
                                                seed: int) -> None:  # fmt: skip
    ranking = engine.rank(simulator_problem(fault, target, seed))
    best = ranking.candidates[0]
    assert (best.kind, best.ref) == ("tag", cause), [
        (c.ref, round(c.score, 3)) for c in ranking.candidates[:5]]  # fmt: skip
    assert best.score > 0.7
    # The decoys that move after the deviation began rank below the cause, and those whose
    # change began after the target's are flagged as consequences.
    late = [c for c in ranking.candidates if c.ref.startswith("DECOY.") and c.ref[-2:] in
            {f"{i:02d}" for i in range(4, 60, 5)}]  # fmt: skip
    assert all(c.score < best.score for c in late)
    assert ranking.target_onset is not None
    after = [c for c in late if c.onset is not None and c.onset > ranking.target_onset + 1]
    assert after
    assert all(c.evidence["consequence"] for c in after)


def test_the_feeders_controller_output_is_not_taken_for_the_cause() -> None:
    """The API feeder bridges: its flow drops and its controller speeds the screw up at once
    (an output moving with, and against, what it controls)."""
    ranking = engine.rank(simulator_problem(SIMULATOR_CASES[0][0], "L1.NIR.API_CONC", 1))
    screw = by_ref(ranking, "L1.FEEDER1.SCREW_SPEED")
    loop = screw.evidence["loop"]
    assert loop["role"] == "controller output"
    assert loop["controlled_variable"] == "L1.FEEDER1.MASSFLOW"
    assert loop["set_point"] == "L1.FEEDER1.MASSFLOW_SP"
    # Its own moves (what the controller's law leaves) do not explain the NIR's dip.
    assert loop["move_explained_by_controller"] > 0.3
    assert screw.evidence["explained_r2"] < 0.2
    assert screw.score < 0.05 * ranking.candidates[0].score
    flow = by_ref(ranking, "L1.FEEDER1.MASSFLOW")
    assert flow.evidence["lag_source"] == "rtd"
    assert flow.lag_s == pytest.approx(105, abs=30)
    # The press and the outlet move after the NIR: consequences.
    for later in ("L1.PRESS.TABLET_WEIGHT", "L1.OUTLET.MASSFLOW"):
        assert by_ref(ranking, later).evidence["consequence"] is True


def test_a_signal_computed_from_the_deviations_tag_is_no_cause() -> None:
    """The simulator's fill depth is the tablet weight rescaled: it moves with the weight,
    noise and all, and is flagged rather than ranked above the feeder."""
    ranking = engine.rank(simulator_problem(SIMULATOR_CASES[1][0], "L1.PRESS.TABLET_WEIGHT", 2))
    assert by_ref(ranking, "L1.PRESS.FILL_DEPTH").evidence["moves_with_target"] is True
    assert position(ranking, "tag", "L1.FEEDER1.MASSFLOW") == 1


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("fault", FAULTS)
def test_plant_b_ranks_the_true_cause_in_the_top_three(fault: str, seed: int) -> None:
    ranking = engine.rank(plant_b_problem(fault, seed))
    kind, ref = CAUSES[fault]
    assert position(ranking, kind, ref) <= 3, [
        (c.ref, round(c.score, 3)) for c in ranking.candidates[:5]]  # fmt: skip


@pytest.mark.parametrize("fault", ["airflow_sp", "inlet_sp"])
def test_a_set_point_change_outranks_the_controller_output_that_moved_first(fault: str) -> None:
    ranking = engine.rank(plant_b_problem(fault, 1))
    sp = CAUSES[fault][1]
    output = {"airflow_sp": "G2.DRYER.FAN_SPEED", "inlet_sp": "G2.DRYER.HEATER_POWER"}[fault]
    moved = by_ref(ranking, output)
    assert moved.evidence["loop"]["role"] == "controller output"
    assert position(ranking, "equipment_event", sp) < position(ranking, "tag", output)
    assert moved.score < 0.3


@pytest.mark.parametrize("fault", ["pump_wear", "heater_fouling"])
def test_a_saturated_loop_points_at_its_controlled_variable(fault: str) -> None:
    """Wear and fouling are disturbances the loop answers until its output reaches the end
    of its range: the controlled variable is the cause the data show, not the output."""
    ranking = engine.rank(plant_b_problem(fault, 2))
    pv = CAUSES[fault][1]
    output = {"pump_wear": "G2.GRAN.PUMP_SPEED", "heater_fouling": "G2.DRYER.HEATER_POWER"}[fault]
    assert position(ranking, "tag", pv) < position(ranking, "tag", output)
    assert by_ref(ranking, pv).evidence["loop"]["role"] == "controlled variable"


def test_consequences_of_the_deviation_are_flagged() -> None:
    ranking = engine.rank(plant_b_problem("dewpoint", 1))
    for later in ("G2.MILL.CURRENT", "G2.PRESS.HARDNESS"):
        assert by_ref(ranking, later).evidence["consequence"] is True


def test_a_deviation_without_a_tag_is_ranked_on_the_changes_in_its_window() -> None:
    problem = simulator_problem(SIMULATOR_CASES[4][0], "L1.PRESS.HARDNESS", 1)
    untagged = engine.Problem(problem.step_s, problem.signals, problem.events, None,
                              problem.start - 6, problem.end, problem.paths)  # fmt: skip
    ranking = engine.rank(untagged)
    assert ranking.target_onset is None
    assert "names no tag" in ranking.notes[0]
    top = [c.ref for c in ranking.candidates[:5]]
    assert "L1.PRESS.MAIN_FORCE" in top
    assert all(c.evidence["lag_source"] == "window" for c in ranking.candidates if c.score)


def test_onsets_are_where_a_change_began_not_where_it_was_noticed() -> None:
    from reports.rootcause import stats

    rng = np.random.default_rng(3)
    z = rng.normal(0, 1, 400)
    z[250:] += 2.0  # a 2σ shift: the CUSUM notices it some blocks later
    found = stats.onsets(z)
    shift = next(o for o in found if o.sign > 0 and o.alarm >= 250)
    assert shift.alarm > 250
    assert abs(shift.start - 250) <= 3
    ramp = rng.normal(0, 1, 400)
    ramp[200:] += np.minimum(np.arange(200) * 0.1, 8.0)  # a slow ramp alarms again and again
    found = stats.onsets(ramp)
    alarms = [o for o in found if o.sign > 0 and 200 <= o.alarm <= 300]
    assert len(alarms) > 1
    assert abs(stats.episode(ramp, found, alarms[-1]).start - 200) <= 20


def test_a_target_without_a_change_is_ranked_and_says_so() -> None:
    """Noise only, no change: the deviation's start is taken as the onset, nothing explains
    it, and the ranking says to suspect the instrument."""
    problem = simulator_problem(SIMULATOR_CASES[4][0], "L1.PRESS.HARDNESS", 1)
    quiet = engine.Signal("X.QUIET", "X/QUIET", np.random.default_rng(5).normal(0, 1, 900))
    ranking = engine.rank(engine.Problem(problem.step_s, problem.signals, problem.events, quiet,
                                         problem.start, problem.end, problem.paths))  # fmt: skip
    assert any("No change stands out" in note for note in ranking.notes)
    assert ranking.candidates[0].score < 0.2
    assert any("suspect" in note or "instrument" in note for note in ranking.notes)
