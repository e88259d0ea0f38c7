"""RTD models against closed forms and independent numerics: tanks in series for integer and
non-integer n (E, F, G and quantiles against numerical integration of the gamma density),
axial dispersion (rtdpy's curves) against the known moments of each boundary condition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from ebr.rtd import Charge, RtdError, RtdModel, window_fractions

TAU = 300.0


@pytest.mark.parametrize("n", [0.5, 1.0, 2.7, 7.0])
def test_tanks_in_series_against_numerical_integration(n: float) -> None:
    model = RtdModel("tanks_in_series", tau_s=TAU, n=n, delay_s=15.0)
    times = [0.0, 15.0, 40.0, 200.0, 315.0, 900.0, 3000.0]

    def density(u: float) -> float:
        return float(model.pdf(u))

    for t in times:
        numeric = integrate.quad(density, 15.0, t, limit=400)[0] if t > 15 else 0.0
        assert float(model.cdf(t)) == pytest.approx(numeric, abs=1e-6)
        integral = integrate.quad(lambda u: float(model.cdf(u)), 0.0, t, limit=400)[0]
        assert float(model.cdf_integral(t)) == pytest.approx(integral, abs=1e-4 * max(1.0, t))
    # The mean of E is the mean residence time after the dead time.
    mean = integrate.quad(lambda u: u * float(model.pdf(u)), 15.0, 60 * TAU, limit=800)[0]
    assert mean == pytest.approx(15.0 + TAU, rel=1e-5)
    assert not np.isnan(model.pdf(np.array([0.0, 15.0, 15.0 + 1e-9]))).any()


@pytest.mark.parametrize("n", [0.5, 3.3, 12.0])
def test_window_averages_of_f_from_g_match_numerical_averages(n: float) -> None:
    """What backward genealogy needs: F averaged over an output window, from G."""
    model = RtdModel("tanks_in_series", tau_s=TAU, n=n, delay_s=30.0)
    for start, end in ((0.0, 60.0), (100.0, 400.0), (250.0, 251.0), (1000.0, 5000.0)):
        from_g = (float(model.cdf_integral(end)) - float(model.cdf_integral(start))) / (end - start)
        numeric = integrate.quad(lambda u: float(model.cdf(u)), start, end, limit=400)[0]
        assert from_g == pytest.approx(numeric / (end - start), abs=1e-4)


@pytest.mark.parametrize("n", [0.7, 1.0, 4.5])
def test_tanks_quantiles_invert_f(n: float) -> None:
    model = RtdModel("tanks_in_series", tau_s=TAU, n=n, delay_s=12.0)
    for q in (0.001, 0.5, 0.999):
        t = model.quantile(q)
        assert float(model.cdf(t)) == pytest.approx(q, abs=1e-9)
    assert model.quantile(1e-12) >= 12.0
    # n = 1 is one stirred tank: F(t) = 1 − exp(−t/τ), the median τ·ln 2.
    one = RtdModel("tanks_in_series", tau_s=TAU, n=1.0)
    assert one.quantile(0.5) == pytest.approx(TAU * math.log(2), rel=1e-12)


def _moments(model: RtdModel, span: float) -> tuple[float, float, float]:
    t = np.linspace(0.0, span, 400_001)
    e = model.pdf(t)
    mass = np.trapz(e, t)
    mean = np.trapz(e * t, t) / mass
    return mass, mean, np.trapz(e * (t - mean) ** 2, t) / mass


@pytest.mark.parametrize("peclet", [2.0, 10.0, 100.0])
def test_open_axial_dispersion_against_its_moments(peclet: float) -> None:
    """Open-open: mean (1 + 2/Pe)·L/U (= tau_s), variance (2/Pe + 8/Pe²)·(L/U)²."""
    model = RtdModel("axial_dispersion", tau_s=TAU, peclet=peclet, boundary="open")
    mass, mean, variance = _moments(model, 60 * TAU)
    length_over_u = TAU / (1 + 2 / peclet)
    assert mass == pytest.approx(1.0, abs=1e-4)
    assert mean == pytest.approx(TAU, rel=2e-3)
    assert variance == pytest.approx((2 / peclet + 8 / peclet**2) * length_over_u**2, rel=1e-2)
    for q in (0.001, 0.5, 0.999):
        assert float(model.cdf(model.quantile(q))) == pytest.approx(q, abs=1e-4)


@pytest.mark.parametrize("peclet", [1.0, 10.0, 300.0])
def test_closed_axial_dispersion_against_its_moments(peclet: float) -> None:
    """Closed-closed (Danckwerts): mean τ, variance τ²·(2/Pe − 2/Pe²·(1 − e^−Pe))."""
    model = RtdModel("axial_dispersion", tau_s=TAU, peclet=peclet, delay_s=20.0)
    mass, mean, variance = _moments(model, 60 * TAU)
    assert mass == pytest.approx(1.0, abs=1e-4)
    assert mean == pytest.approx(20.0 + TAU, rel=1e-3)
    expected = TAU**2 * (2 / peclet - 2 / peclet**2 * (1 - math.exp(-peclet)))
    assert variance == pytest.approx(expected, rel=5e-3)
    assert float(model.cdf(20.0)) == 0.0
    assert float(model.cdf(model.quantile(0.999))) == pytest.approx(0.999, abs=1e-4)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "tanks_in_series", "tau_s": 0.0, "n": 2.0}, "tau_s"),
        ({"kind": "tanks_in_series", "tau_s": 60.0, "n": -1.0}, "n"),
        ({"kind": "tanks_in_series", "tau_s": 60.0, "n": float("nan")}, "n"),
        ({"kind": "axial_dispersion", "tau_s": 60.0, "peclet": 5.0, "boundary": "x"}, "boundary"),
        ({"kind": "axial_dispersion", "tau_s": 60.0}, "peclet"),
        ({"kind": "plug", "tau_s": 60.0}, "model"),
        ({"kind": "tanks_in_series", "tau_s": 60.0, "n": 2.0, "delay_s": -1.0}, "delay_s"),
    ],
)
def test_parameters_that_are_no_rtd_are_named(fields: dict[str, object], field: str) -> None:
    with pytest.raises(RtdError, match=field):
        RtdModel(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [0.6, 3.0, 9.5])
def test_window_fractions_of_lot_switches_against_numerical_integration(n: float) -> None:
    """Lot A until 1,000 s, then B until 1,400 s, then C: each one's share of what left in a
    window, against the average of F(t − a) − F(t − b) integrated numerically."""
    model = RtdModel("tanks_in_series", tau_s=TAU, n=n, delay_s=25.0)
    charges = [Charge("A", 0.0, 1000.0), Charge("B", 1000.0, 1400.0), Charge("C", 1400.0)]
    for start, end in ((900.0, 1300.0), (1200.0, 1250.0), (1500.0, 3000.0)):
        found = window_fractions(model, charges, start, end)
        assert sum(found.values()) == pytest.approx(1.0, abs=1e-12)
        for charge in charges:

            def inside(t: float, c: Charge = charge) -> float:
                leaving = float(model.cdf(t - c.start))
                return leaving - (float(model.cdf(t - c.end)) if c.end is not None else 0.0)

            numeric = integrate.quad(inside, start, end, limit=400)[0] / (end - start)
            assert found.get(charge.lot, 0.0) == pytest.approx(numeric, abs=1e-4)


def test_material_from_before_the_first_charge_is_unknown() -> None:
    model = RtdModel("tanks_in_series", tau_s=TAU, n=2.0)
    found = window_fractions(model, [Charge("A", 100.0)], 0.0, 200.0)
    assert set(found) == {"A", ""}
    assert found["A"] + found[""] == pytest.approx(1.0)
    with pytest.raises(RtdError):
        window_fractions(model, [], 10.0, 10.0)
