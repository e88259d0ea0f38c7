"""Fitting RTD models to step and pulse tests: the fit recovers known parameters from curves of
ebr.rtd (tanks in series with non-integer n, axial dispersion with either boundary), and through
the API from the line simulator's tracer step (its blender is 4 tanks of 22.5 s after 15 s of
dead time), saving nothing; what is no test is refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from audit.canonical import format_ts
from ebr import rtd_fit, services
from ebr.models import RtdModelVersion
from ebr.rtd import RtdError, RtdModel
from historian.ingest import ingest_samples
from historian.simulator import Fault, Simulator
from tests.factories import TagFactory

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
URL = "/api/v1/ebr/lines/L8/rtd-models/fit/"


def response(model: RtdModel, x: np.ndarray) -> np.ndarray:
    """The model's exact response to an input held over each second (from F)."""
    t = np.arange(len(x), dtype=float)
    change = x - x[0]
    steps = np.diff(change, prepend=0.0)
    out = np.zeros(len(x))
    for j in np.flatnonzero(steps):
        out += steps[j] * model.cdf(t - j)
    return out


@pytest.mark.parametrize(
    "true",
    [
        RtdModel("tanks_in_series", tau_s=90.0, n=4.0, delay_s=15.0),
        RtdModel("tanks_in_series", tau_s=200.0, n=2.5),
        RtdModel("tanks_in_series", tau_s=60.0, n=0.8, delay_s=30.0),
        RtdModel("axial_dispersion", tau_s=120.0, peclet=15.0, delay_s=20.0),
        RtdModel("axial_dispersion", tau_s=120.0, peclet=15.0, boundary="open", delay_s=20.0),
    ],
    ids=["n4", "n2.5-pulse", "n0.8", "ad-closed", "ad-open"],
)
def test_the_fit_recovers_the_model_that_made_the_curve(true: RtdModel) -> None:
    t = np.arange(2400, dtype=float)
    if true.n == 2.5:  # a pulse: 10 s of tracer
        x = np.where((t >= 100) & (t < 110), 10.0, 0.0)
    else:  # a step up and back down
        x = np.where((t >= 200) & (t < 1300), 2.16, 2.0)
    y = 10.0 + 4.0 * response(true, x)
    found = rtd_fit.fit(true.kind, x, y, boundary=true.boundary)
    assert found.model.tau_s == pytest.approx(true.tau_s, rel=0.02)
    assert found.model.delay_s == pytest.approx(true.delay_s, abs=1.0)
    shape, expected = (found.model.n, true.n) if true.n else (found.model.peclet, true.peclet)
    assert shape == pytest.approx(expected, rel=0.03)
    assert found.gain == pytest.approx(4.0, rel=0.01)
    assert found.baseline == pytest.approx(10.0, abs=1e-3)
    assert found.r2 > 0.9999
    assert len(found.curves["fitted"]) == len(found.curves["t_s"]) <= rtd_fit.CURVE_POINTS


def test_noise_and_gaps_leave_the_mean_residence_time() -> None:
    rng = np.random.default_rng(7)
    true = RtdModel("tanks_in_series", tau_s=90.0, n=4.0, delay_s=15.0)
    t = np.arange(1800, dtype=float)
    x = np.where((t >= 300) & (t < 1200), 2.16, 2.0)
    y = 10.0 + 4.4 * response(true, x) + rng.normal(0, 0.08, len(t))
    y[rng.random(len(t)) < 0.02] = np.nan  # bad NIR spectra
    found = rtd_fit.fit("tanks_in_series", x, y)
    mean = found.model.tau_s + found.model.delay_s
    assert mean == pytest.approx(105.0, rel=0.05)
    assert 0.9 < found.r2 < 1.0
    assert found.rmse == pytest.approx(0.08, rel=0.15)  # what is left is the noise


@pytest.mark.parametrize(
    ("x", "y", "field"),
    [
        (np.full(600, 2.0), np.full(600, 10.0), "input_tag"),  # no step
        (np.full(20, 2.0), np.full(20, 10.0), "start"),  # too few seconds
        (np.arange(600.0), np.full(600, np.nan), "start"),  # no response
    ],
)
def test_what_is_no_test_is_refused(x: np.ndarray, y: np.ndarray, field: str) -> None:
    with pytest.raises(RtdError, match=field):
        rtd_fit.fit("tanks_in_series", x, y)


@pytest.fixture
def tracer_test(make_user: Any, make_service_account: Any) -> APIClient:
    """45 minutes of the simulated line with a tracer step on the API feeder from 5 to 25
    min: the feeder's mass flow and the NIR's API concentration in the historian."""
    eli = make_user(R.PROCESS_ENGINEER, username="eli")
    names = {"FEEDER1.MASSFLOW": "kg/h", "NIR.API_CONC": "% w/w"}
    for name, unit in names.items():
        TagFactory(actor=eli, name=f"L8.{name}", equipment=f"L8/{name.split('.')[0]}", unit=unit)
    TagFactory(actor=eli, name="L8.FEEDER1.LOT", equipment="L8/FEEDER1", value_type="string")
    services.line_create(actor=eli, code="L8", name="Line 8")
    account, _ = make_service_account("sim")
    sim = Simulator("L8", T0, seed=3, faults=[Fault.parse("tracer_step@5m+20m:factor=1.1")])
    items = [item for second in sim.samples(45 * 60) for item in second
             if item["tag"].removeprefix("L8.") in names]  # fmt: skip
    for i in range(0, len(items), 2000):
        stored = ingest_samples(actor=account, source="sim", ingest_key=f"sim-{i}",
                                items=items[i : i + 2000])  # fmt: skip
        assert stored.status == 201, stored.body
    client = APIClient()
    client.force_login(eli)
    return client


def body(**more: Any) -> dict[str, Any]:
    return {
        "feeder": "FEEDER1", "input_tag": "L8.FEEDER1.MASSFLOW", "output_tag": "L8.NIR.API_CONC",
        "start": format_ts(T0 + timedelta(minutes=2)), "end": format_ts(T0 + timedelta(minutes=40)),
        "model": "tanks_in_series", **more,
    }  # fmt: skip


@pytest.mark.django_db
def test_the_simulators_tracer_step_fits_its_blender(tracer_test: APIClient) -> None:
    answer = tracer_test.post(URL, body(), format="json")
    assert answer.status_code == 200, answer.content
    fit = answer.json()
    # The simulator's blender: 15 s dead time, then 4 tanks with 90 s between them.
    assert fit["tau_s"] + fit["delay_s"] == pytest.approx(105.0, rel=0.08)
    assert 2.5 < fit["n"] < 7
    assert fit["r2"] > 0.9
    assert fit["gain"] > 0  # more API fed, more API in the blend
    curves = fit["curves"]
    assert len(curves["t_s"]) == len(curves["measured"]) == len(curves["fitted"]) > 1000
    dispersed = tracer_test.post(URL, body(model="axial_dispersion"), format="json").json()
    assert dispersed["r2"] > 0.9
    assert dispersed["boundary"] == "closed"
    assert RtdModelVersion.objects.count() == 0  # a fit is saved only as a new version


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("more", "field"),
    [
        ({"input_tag": "L8.NOPE"}, "input_tag"),
        ({"input_tag": "L8.FEEDER1.LOT"}, "input_tag"),  # text
        ({"feeder": "PRESS"}, "feeder"),
        ({"end": format_ts(T0 + timedelta(hours=13))}, "end"),
        ({"start": "2026-03-02T08:00:00"}, "start"),
        # the minutes after the tracer ended: the input does not change
        ({"start": format_ts(T0 + timedelta(minutes=30)),
          "end": format_ts(T0 + timedelta(minutes=44))}, "input_tag"),
    ],
)  # fmt: skip
def test_a_fit_that_is_no_test_is_refused_naming_the_field(
    tracer_test: APIClient, more: dict[str, Any], field: str
) -> None:
    answer = tracer_test.post(URL, body(**more), format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]
