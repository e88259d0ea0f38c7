"""Genealogy and RTD in the browser, on an hour of the simulated line (a tracer step on the API
feeder, then its bridging at half rate): QA traces a batch window back to its lots on the
graph and follows a lot forward to its batches; the batch page draws its genealogy; the feeder
excursion's deviation shows its diversion window; the engineer fits the tracer test, looks at
the fit and saves it as a new RTD version with a reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import roles as R
from audit.signing import SignatureRequest
from ebr import services
from ebr.models import Deviation, Line, RtdModelVersion
from ebr.services.monitoring import cpp_check
from historian.ingest import ingest_samples
from historian.simulator import Fault, Simulator
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import TagFactory

TAGS = {"FEEDER1.MASSFLOW": "kg/h", "NIR.API_CONC": "% w/w", "OUTLET.MASSFLOW": "kg/h"}


def local(t: datetime) -> str:
    """A moment as the datetime-local inputs take it (the site's zone)."""
    return timezone.localtime(t).strftime("%Y-%m-%dT%H:%M:%S")


def _line_with_an_hour(make_user: Any, make_service_account: Any) -> datetime:
    """Line L6 with an hour of simulated data ending now, its RTD v1, two API lots fed
    (the switch at 30 min), a running batch and the excursion's deviation. Its start."""
    eli = make_user(R.PROCESS_ENGINEER, username="g-eli", full_name="Eli Engineer")
    quinn = make_user(R.QA_REVIEWER, username="g-qa", full_name="Quinn Reviewer")
    sam = make_user(R.SUPERVISOR, username="g-sam")
    for name, unit in TAGS.items():
        TagFactory(actor=eli, name=f"L6.{name}", equipment=f"L6/{name.split('.')[0]}", unit=unit)
    services.line_create(actor=eli, code="L6", name="Line 6", outlet_tag="L6.OUTLET.MASSFLOW")
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    line = Line.objects.get(code="L6")
    services.rtd_model_create(actor=eli, line=line, feeder="FEEDER1", model="tanks_in_series",
                              n=4, tau_s=90, delay_s=60, reason="design estimate",
                              effective_from=(start - timedelta(days=1)).isoformat())  # fmt: skip
    for number in ("API-1", "API-2"):
        lot = services.lot_create(actor=sam, material="API", lot=number)
        services.lot_dispose(actor=quinn, lot=lot, decision="release", signature=SignatureRequest(
            username="g-qa", password=PASSWORD, meaning="released", reason="COA"))  # fmt: skip
    for number, at in (("API-1", start), ("API-2", start + timedelta(minutes=30))):
        services.feed_charge(actor=sam, line=line, feeder="FEEDER1", material="API", lot=number,
                             start=at.isoformat())  # fmt: skip
    faults = [Fault.parse("tracer_step@5m+15m:factor=1.1"),
              Fault.parse("feeder_drop@40m+3m:feeder=FEEDER1,factor=0.5")]  # fmt: skip
    account, _ = make_service_account("g-sim")
    items = [item for second in Simulator("L6", start, seed=5, faults=faults).samples(3600)
             for item in second if item["tag"].removeprefix("L6.") in TAGS]  # fmt: skip
    for i in range(0, len(items), 5000):
        stored = ingest_samples(actor=account, source="sim", ingest_key=f"g{i}",
                                items=items[i : i + 5000])  # fmt: skip
        assert stored.status == 201
    record = services.master_create(
        actor=eli, code="MR6", product="P", title="T", line="L6",
        steps=[{"code": "S1", "title": "Run"}],
        parameter_specs=[{"tag": "L6.FEEDER1.MASSFLOW", "low": 1.8, "high": 2.2}],
    )  # fmt: skip
    record = services.master_transition(actor=eli, record=record, status="in_review", reason="go")
    for status, meaning in (("approved", "approved"), ("effective", "released")):
        record = services.master_transition(actor=quinn, record=record, status=status,
                                            reason="ok", signature=SignatureRequest(
            username="g-qa", password=PASSWORD, meaning=meaning, reason="ok"))  # fmt: skip
    batch = services.batch_create(actor=sam, batch_number="B-6", master_record="MR6", line="L6",
                                  start=(start + timedelta(minutes=25)).isoformat(),
                                  end=(start + timedelta(hours=2)).isoformat())  # fmt: skip
    batch = services.batch_transition(actor=sam, batch=batch, status="in_progress", reason="go")
    cpp_check(batch, "L6.FEEDER1.MASSFLOW")
    return start


@pytest.mark.django_db(transaction=True)
def test_qa_traces_lots_to_batches_and_sees_the_diversion_window(
    page: Any, make_user: Any, make_service_account: Any
) -> None:
    start = _line_with_an_hour(make_user, make_service_account)
    page.set_viewport_size({"width": 1360, "height": 1000})
    sign_in(page, "g-qa", PASSWORD)
    page.goto("/ebr/genealogy/")
    form = page.locator("[data-testid=backward-form]")
    form.locator("select[name=line]").select_option("L6")
    form.locator("input[name=start]").fill(local(start + timedelta(minutes=25)))
    form.locator("input[name=end]").fill(local(start + timedelta(minutes=40)))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=genealogy-graph][data-drawn=true]")
    page.wait_for_selector("[data-testid=genealogy-fractions] canvas")
    table = page.locator("[data-testid=backward-table]").inner_text()
    assert "B-6" in table
    assert "API-1" in table
    assert "API-2" in table  # the switch at 30 min shows in the window
    screenshot(page, "genealogy-backward")
    page.locator("[data-testid=backward-table] a", has_text="API-1").first.click()
    page.wait_for_selector("[data-testid=forward-table]")
    forward = page.locator("[data-testid=forward-table]").inner_text()
    assert "B-6" in forward
    assert "no batch" in forward  # before the batch began, the lot left without one
    screenshot(page, "genealogy-forward")
    page.goto("/ebr/batches/B-6/")
    page.wait_for_selector("[data-testid=batch-genealogy] [data-drawn=true]")
    (deviation,) = Deviation.objects.filter(kind="cpp_excursion")
    page.goto(f"/ebr/deviations/{deviation.number}/")
    shown = page.locator("[data-testid=diversion]").inner_text()
    assert "FEEDER1" in shown
    assert "tanks in series" in shown
    screenshot(page, "deviation-diversion")


def fit(page: Any, start: datetime, end: datetime) -> None:
    """The fit form filled for the API feeder's test between `start` and `end`, sent."""
    form = page.locator("[data-testid=fit-form]")
    form.locator("select[name=feeder]").select_option("FEEDER1")
    form.locator("select[name=input_tag]").select_option("L6.FEEDER1.MASSFLOW")
    form.locator("select[name=output_tag]").select_option("L6.NIR.API_CONC")
    form.locator("input[name=start]").fill(local(start))
    form.locator("input[name=end]").fill(local(end))
    form.locator("button[type=submit]").click()


@pytest.mark.django_db(transaction=True)
def test_the_engineer_fits_the_tracer_test_and_saves_a_version(
    page: Any, make_user: Any, make_service_account: Any
) -> None:
    start = _line_with_an_hour(make_user, make_service_account)
    page.set_viewport_size({"width": 1360, "height": 1000})
    sign_in(page, "g-eli", PASSWORD)
    page.goto("/ebr/lines/L6/rtd/")
    assert "design estimate" in page.locator("[data-testid=rtd-versions]").inner_text()
    fit(page, start + timedelta(minutes=2), start + timedelta(minutes=28))
    page.wait_for_selector("[data-testid=fit-chart][data-drawn=true]")
    assert float(page.locator("[data-testid=fit-r2]").inner_text()) > 0.8
    screenshot(page, "rtd-fit")
    save = page.locator("[data-testid=fit-save]")
    save.locator("textarea[name=reason]").fill("Tracer step TS-6 fitted: R² above 0.8")
    save.locator("button[type=submit]").click()
    assert "version 2 saved" in page.locator(".messages").inner_text()
    assert "TS-6" in page.locator("[data-testid=rtd-versions]").inner_text()
    saved = RtdModelVersion.objects.get(version=2)
    assert saved.author.username == "g-eli"
    assert saved.tau_s + saved.delay_s == pytest.approx(105.0, rel=0.1)
    # A wrong window says what to do instead of fitting noise.
    page.goto("/ebr/lines/L6/rtd/")
    # From 24 minutes: the tracer ended at 20 and its response has died away by then.
    fit(page, start + timedelta(minutes=24), start + timedelta(minutes=38))
    assert "step or pulse" in page.locator("[data-testid=fit-problem]").inner_text()
