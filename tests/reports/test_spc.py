"""The SPC rule engine and capability indices: each Western Electric and Nelson rule fires at
the point that completes its pattern and not before (patterns built from the rules' own
definitions around a centre 0, σ 1), σ_within from the moving range (MR̄/1.128) and the subgroup
range (R̄/d2), Cp/Cpk/Pp/Ppk by their formulas, one-sided specifications."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reports import spc

UNIT = spc.Limits(centre=0.0, sigma=1.0, sigma_within=1.0)


def fired(values: list[float], rule: str) -> list[int]:
    return [v.index for v in spc.violations(values, UNIT, rules=[rule])]


@pytest.mark.parametrize(
    ("values", "rule", "at"),
    [
        ([0, 0, 3.2, 0, -3.5], "WE1", [2, 4]),
        ([0, 0, 3.2, 0, -3.5], "N1", [2, 4]),
        ([0, 2.5, 0, 2.4, 0, 0], "WE2", [3]),  # 2 of 3 beyond +2σ
        ([0, 2.5, 0, -2.4, 0, 0], "WE2", []),  # not on one side
        ([0, -2.5, -2.1, 0], "N5", [2]),
        ([1.5, 1.2, 0, 1.7, 1.1, 0], "WE3", [4]),  # 4 of 5 beyond +1σ
        ([1.5, 1.2, 0, 1.7, 0.5, 0], "WE3", []),
        ([-1.5, -1.2, -1.9, 0, -1.1], "N6", [4]),
        ([0.1] * 7 + [-0.1], "WE4", []),
        ([0.1] * 8, "WE4", [7]),
        ([0.1] * 8, "N2", []),
        ([0.1] * 9 + [0.2], "N2", [8, 9]),  # the run goes on
        ([0, 0.1, 0.2, 0.3, 0.4, 0.5], "N3", [5]),  # 6 steadily increasing
        ([0, 0.1, 0.2, 0.3, 0.4], "N3", []),
        ([0.5, 0.4, 0.3, 0.2, 0.1, 0.0, 0.0], "N3", [5]),
        ([0.2 * (i % 2) for i in range(14)], "N4", [13]),  # 14 alternating
        ([0.2 * (i % 2) for i in range(13)], "N4", []),
        ([0.0] * 15, "N7", [14]),
        ([0.0] * 14 + [1.5], "N7", []),
        ([1.5 * (-1) ** i for i in range(8)], "N8", [7]),  # beyond 1σ, both sides
        ([1.5 * (-1) ** i for i in range(7)] + [0.5], "N8", []),
    ],
)
def test_each_rule_fires_where_its_pattern_completes(
    values: list[float], rule: str, at: list[int]
) -> None:
    assert fired(values, rule) == at


def test_a_violation_names_its_points_and_rule() -> None:
    (found,) = spc.violations([0, 2.5, 0, 2.4], UNIT, rules=["WE2"])
    assert (found.rule, found.index, found.points) == ("WE2", 3, (1, 3))
    assert found.text == "2 of 3 successive points beyond 2σ on one side"


def test_individuals_sigma_is_the_average_moving_range_over_d2() -> None:
    limits = spc.individuals([1, 3, 2, 5])
    assert limits.centre == pytest.approx(2.75)
    assert limits.sigma == pytest.approx(2.0 / 1.128)  # MR: 2, 1, 3


def test_subgroup_sigma_is_the_average_range_over_d2() -> None:
    groups = [[1, 2, 3, 4, 5], [2, 2, 2, 2, 6], [0, 1, 1, 1, 1]]
    means, limits = spc.subgroups(groups)
    assert list(means) == pytest.approx([3.0, 2.8, 0.8])
    assert limits.sigma_within == pytest.approx(((4 + 4 + 1) / 3) / 2.326)
    assert limits.sigma == pytest.approx(limits.sigma_within / math.sqrt(5))


def test_capability_indices_by_their_formulas() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(16.0, 2.0, 400)
    found = spc.capability(values, lsl=8.0, usl=20.0)
    mean, within, overall = values.mean(), found.sigma_within, values.std(ddof=1)
    assert found.cp == pytest.approx(12 / (6 * within))
    assert found.cpk == pytest.approx(min(20 - mean, mean - 8) / (3 * within))
    assert found.pp == pytest.approx(12 / (6 * overall))
    assert found.ppk == pytest.approx(min(20 - mean, mean - 8) / (3 * overall))
    # Independent normal values: both σ estimates agree, so do the indices (≈ 1.0 and 0.67).
    assert found.cp == pytest.approx(1.0, abs=0.1)
    assert found.cpk == pytest.approx(0.667, abs=0.08)


def test_a_one_sided_specification_has_no_cp() -> None:
    found = spc.capability([80.0, 85.0, 90.0, 88.0, 86.0], lsl=80.0, usl=None)
    assert (found.cp, found.pp) == (None, None)
    assert found.cpk is not None
    assert found.cpk > 0
    assert "one-sided" in found.notes[0]
