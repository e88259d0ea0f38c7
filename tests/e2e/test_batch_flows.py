"""A supervisor plans a batch on the line's timeline, starts and closes it; its page shows the
window, the quantity integrated from the outlet and the CPP trends of its window."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from accounts import roles as R
from audit.signing import SignatureRequest
from ebr import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in

STEPS = [
    {
        "code": "S10",
        "title": "Line clearance",
        "fields": [{"name": "line_clear", "type": "bool"}],
        "required_signatures": ["performed", "verified"],
    }
]


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_planned_run_and_closed_with_its_trends(page: Any, make_user: Any) -> None:
    call_command(
        "simulate_line", "--line", "L1", "--start", "2026-03-01T06:00:00Z", "--hours", "1",
        "--seed", "4", "--quiet", stdout=StringIO(),
    )  # fmt: skip
    engineer = make_user(R.PROCESS_ENGINEER, username="e2e-eng2")
    qa = make_user(R.QA_REVIEWER, username="e2e-qa2")
    make_user(R.SUPERVISOR, username="e2e-sup2")
    services.line_create(actor=engineer, code="L1", name="Line 1", outlet_tag="L1.OUTLET.MASSFLOW")
    record = services.master_create(
        actor=engineer, code="DC-TAB-10", product="Tablet 10 mg", title="DC 10 mg", line="L1",
        steps=STEPS,
        parameter_specs=[{"tag": "L1.PRESS.TABLET_WEIGHT", "low": 242.5, "high": 257.5},
                         {"tag": "L1.NIR.API_CONC", "low": 9.5, "high": 10.5}],
    )  # fmt: skip
    services.master_transition(actor=engineer, record=record, status="in_review", reason="go")
    for status, meaning in (("approved", "approved"), ("effective", "released")):
        record.refresh_from_db()
        services.master_transition(
            actor=qa, record=record, status=status, reason="ok",
            signature=SignatureRequest(username="e2e-qa2", password=PASSWORD, meaning=meaning,
                                       reason="ok"),
        )  # fmt: skip
    sign_in(page, "e2e-sup2", PASSWORD)
    page.click("[data-nav='Batches']")
    page.click("[data-testid=plan-batch] summary")
    form = page.locator("[data-testid=plan-batch] form")
    form.locator("input[name=batch_number]").fill("B-100")
    form.locator("input[name=start]").fill("2026-03-01T06:05")
    form.locator("input[name=end]").fill("2026-03-01T06:45")
    form.locator("button[type=submit]").click()
    assert page.locator("[data-testid=batch-status]").inner_text() == "planned"
    page.fill("input[aria-label='Reason for: Start']", "line running")
    page.click("[data-testid=batch-in_progress]")
    assert page.locator("[data-testid=batch-status]").inner_text() == "in_progress"
    page.fill("input[aria-label='Reason for: Close the window']", "end of the run")
    page.click("[data-testid=batch-closed]")
    assert page.locator("[data-testid=batch-status]").inner_text() == "closed"
    # Closed after its planned end: the window keeps that end.
    assert "2026-03-01 06:45:00" in page.locator("[data-testid=batch-window]").inner_text()
    actual = page.locator("[data-testid=batch-actual]").inner_text()
    assert float(actual.split()[0]) > 0  # the mass through L1.OUTLET.MASSFLOW
    frame = page.frame_locator("[data-testid=batch-trend]")
    frame.locator("[data-testid=trend-chart] canvas").wait_for()
    page.wait_for_function(
        "document.querySelector('[data-testid=batch-trend]').contentDocument"
        ".getElementById('trend-status')?.dataset.loaded === '1'"
    )
    screenshot(page, "batch-detail")
    page.click("[data-nav='Batches']")
    bar = page.locator("[data-testid=timeline][data-line=L1] .timeline-bar")
    assert bar.count() == 1
    assert "B-100" in bar.inner_text()
    screenshot(page, "batch-list")
