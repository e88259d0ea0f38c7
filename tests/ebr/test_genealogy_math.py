"""The genealogy math (ebr.genealogy) against independent numerics: backward fractions weighted
by a varying outlet flow against dense numerical integration of F, forward presence and
diversion windows against the models' quantiles (to 1 s), diversion with CQA limits against a
dense scan of the convolved deviation, and version changes inside a window."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import trapezoid

from ebr import genealogy
from ebr.genealogy import UNKNOWN, Piece
from ebr.rtd import Charge, RtdError, RtdModel

MODELS = [
    RtdModel("tanks_in_series", tau_s=90.0, n=4.0, delay_s=60.0),
    RtdModel("tanks_in_series", tau_s=300.0, n=1.7, delay_s=5.0),  # non-integer n
    RtdModel("tanks_in_series", tau_s=120.0, n=0.6),  # n < 1: E infinite at t = 0
    RtdModel("axial_dispersion", tau_s=200.0, peclet=30.0, delay_s=10.0),
]
IDS = ["n4", "n1.7", "n0.6", "ad-closed"]


def dense_fraction(model: RtdModel, charges: list[Charge], t: np.ndarray) -> dict[str, np.ndarray]:
    """Each lot's fraction at outlet times t, straight from F (no G, no window averages)."""
    out: dict[str, np.ndarray] = {}
    for c in charges:
        value = model.cdf(t - c.start) - (model.cdf(t - c.end) if c.end is not None else 0.0)
        out[c.lot] = out.get(c.lot, 0.0) + value
    return out


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_backward_weighted_by_a_varying_flow_matches_dense_integration(model: RtdModel) -> None:
    charges = [Charge("A", 0.0, 400.0), Charge("B", 400.0, 700.0), Charge("C", 700.0, None)]
    start, end = 350.0, 1500.0
    edges = np.arange(start, end + 1, 60.0)
    edges[-1] = end
    flow = 20.0 + 5.0 * np.sin(np.arange(len(edges) - 1))  # kg/h per interval
    found = genealogy.backward([Piece(model, start, end)], charges, edges, flow)
    t = np.linspace(start, end, 400_001)[:-1] + (end - start) / 800_000  # midpoints
    weight = flow[np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(flow) - 1)]
    dense = dense_fraction(model, charges, t)
    dense[UNKNOWN] = 1.0 - model.cdf(t - 0.0)
    for lot, value in dense.items():
        expected = trapezoid(weight * value, t) / trapezoid(weight, t)
        assert found.get(lot, 0.0) == pytest.approx(expected, abs=1e-4), lot
    assert sum(found.values()) == pytest.approx(1.0, abs=1e-9)


def test_a_gap_in_the_feeds_is_left_out_and_the_rest_sums_to_one() -> None:
    model = MODELS[0]
    # A ran until 300, nothing was fed until B began at 500.
    charges = [Charge("A", -5000.0, 300.0), Charge("B", 500.0, None)]
    found = genealogy.backward([Piece(model, 200.0, 2000.0)], charges)
    assert set(found) == {"A", "B"}
    assert sum(found.values()) == pytest.approx(1.0, abs=1e-12)
    t = np.linspace(200.0, 2000.0, 200_001)
    a = model.cdf(t + 5000.0) - model.cdf(t - 300.0)
    b = model.cdf(t - 500.0)
    expected = trapezoid(a, t) / (trapezoid(a, t) + trapezoid(b, t))
    assert found["A"] == pytest.approx(expected, abs=1e-4)


def test_nothing_fed_in_reach_of_the_window_gives_no_fractions() -> None:
    charges = [Charge("A", 0.0, 100.0)]
    assert genealogy.backward([Piece(MODELS[0], 50_000.0, 60_000.0)], charges) == {}


def test_without_charges_everything_is_unknown() -> None:
    found = genealogy.backward([Piece(MODELS[0], 0.0, 100.0)], [])
    assert found == {UNKNOWN: pytest.approx(1.0)}


def test_a_version_change_inside_the_window_uses_each_version_for_its_part() -> None:
    old, new = MODELS[0], MODELS[1]
    charges = [Charge("A", 0.0, 600.0), Charge("B", 600.0, None)]
    both = genealogy.backward([Piece(old, 500.0, 800.0), Piece(new, 800.0, 1200.0)], charges)
    first = genealogy.backward([Piece(old, 500.0, 800.0)], charges)
    second = genealogy.backward([Piece(new, 800.0, 1200.0)], charges)
    for lot in ("A", "B"):
        expected = (first.get(lot, 0.0) * 300.0 + second.get(lot, 0.0) * 400.0) / 700.0
        assert both[lot] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_forward_presence_begins_and_ends_at_the_quantiles(model: RtdModel) -> None:
    a, b = 1_000.0, 30_000.0  # a long charge: the lot fills the stream in between
    threshold = 0.001
    found = genealogy.forward([Piece(model, 0.0, np.inf)], [Charge("L", a, b)], threshold)
    assert len(found) == 1
    assert found[0].start == pytest.approx(a + model.quantile(threshold), abs=1.0)
    assert found[0].end == pytest.approx(b + model.quantile(1 - threshold), abs=1.0)
    assert found[0].max_fraction == pytest.approx(1.0, abs=1e-6)


def test_forward_of_a_short_charge_peaks_below_one_and_can_stay_below_the_threshold() -> None:
    model = MODELS[0]
    charges = [Charge("L", 0.0, 20.0)]  # 20 s of a lot through a 90 s mixer
    (found,) = genealogy.forward([Piece(model, -1.0, np.inf)], charges, 0.01)
    t = np.arange(0.0, 2000.0, 0.01)
    peak = (model.cdf(t) - model.cdf(t - 20.0)).max()
    assert found.max_fraction == pytest.approx(peak, abs=1e-4)
    assert genealogy.forward([Piece(model, -1.0, np.inf)], charges, peak + 0.01) == []


def test_forward_of_a_lot_still_in_its_feeder_is_open_ended() -> None:
    (found,) = genealogy.forward([Piece(MODELS[0], 0.0, np.inf)], [Charge("L", 100.0)], 0.001)
    assert found.end == np.inf


@pytest.mark.parametrize("model", MODELS, ids=IDS)
@pytest.mark.parametrize("q", [0.001, 0.01])
def test_diversion_window_is_the_quantiles_to_a_second(model: RtdModel, q: float) -> None:
    a, b = 5_000.0, 5_300.0
    found = genealogy.diversion(model, a, b, q)
    if model.kind == "tanks_in_series":  # independently: the gamma distribution's ppf
        dist = stats.gamma(a=model.n, scale=model.tau_s / (model.n or 1))
        low, high = dist.ppf(q) + model.delay_s, dist.ppf(1 - q) + model.delay_s
    else:  # the inverse of F on a dense grid
        t = np.linspace(0, 20 * model.tau_s, 2_000_001)
        f = model.cdf(t)
        low, high = t[np.searchsorted(f, q)], t[np.searchsorted(f, 1 - q)]
    assert found.start == pytest.approx(a + low, abs=1.0)
    assert found.end == pytest.approx(b + high, abs=1.0)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_diversion_with_limits_is_where_the_convolved_deviation_exceeds_them(
    model: RtdModel,
) -> None:
    a, b = 1_000.0, 1_240.0
    size, nominal, low, high = -4.5, 10.0, 9.5, 10.5  # API at 55 % for 4 min
    found = genealogy.diversion(model, a, b, size=size, nominal=nominal, low=low, high=high)
    t = np.arange(a, b + 20 * model.tau_s, 0.01)
    value = nominal + size * (model.cdf(t - a) - model.cdf(t - b))
    out = t[(value < low) | (value > high)]
    assert found.start == pytest.approx(out[0], abs=1.0)
    assert found.end == pytest.approx(out[-1], abs=1.0)
    assert found.peak == pytest.approx((value - nominal).min(), abs=1e-3)
    wide = genealogy.diversion(model, a, b)
    assert wide.start is not None
    assert wide.end is not None
    assert wide.start <= found.start
    assert found.end <= wide.end


def test_a_disturbance_the_mixer_damps_below_the_limits_diverts_nothing() -> None:
    model = MODELS[0]
    found = genealogy.diversion(model, 0.0, 5.0, size=-4.5, nominal=10.0, low=9.5, high=10.5)
    assert (found.start, found.end) == (None, None)
    assert found.peak is not None
    assert -0.5 < found.peak < 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": 0.0}, "end"),
        ({"quantile": 0.5}, "quantile"),
        ({"size": 1.0}, "low or high"),
    ],
)
def test_diversion_refuses_what_is_no_disturbance(kwargs: dict[str, float], message: str) -> None:
    args = {"start": 10.0, "end": 20.0, **kwargs}
    with pytest.raises(RtdError, match=message):
        genealogy.diversion(MODELS[0], **args)  # type: ignore[arg-type]


def test_a_disturbance_of_years_is_answered_from_its_edges() -> None:
    model = MODELS[0]
    year = 365 * 86400.0
    found = genealogy.diversion(model, 0.0, 50 * year, size=-4.5, nominal=10.0, low=9.5, high=10.5)
    first = genealogy.diversion(model, 0.0, 10_000.0, size=-4.5, nominal=10.0, low=9.5, high=10.5)
    assert found.start == pytest.approx(first.start, abs=1e-3)
    assert found.end is not None
    assert found.end - 50 * year == pytest.approx((first.end or 0) - 10_000.0, abs=1e-3)
    assert found.peak == pytest.approx(-4.5, abs=1e-6)
