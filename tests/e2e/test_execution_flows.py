"""On the shop floor: an operator records and signs a step; a supervisor verifies it from the
queue; a supervisor who performed a step is never offered its verification, a second one
verifies; a value outside its limits is said before signing and raises a deviation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import roles as R
from audit.signing import SignatureRequest
from ebr import services
from ebr.models import Deviation
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import TagFactory

STEPS = [
    {"code": "S10", "title": "Line clearance", "instruction": "Check the line is clear.",
     "fields": [{"name": "line_clear", "type": "bool"}],
     "required_signatures": ["performed", "verified"]},
    {"code": "S20", "title": "Press start-up", "instruction": "Set the turret speed.",
     "fields": [{"name": "turret_speed", "type": "number", "unit": "rpm", "low": 35, "high": 45}],
     "required_signatures": ["performed", "verified"]},
]  # fmt: skip


def sign(page: Any, username: str) -> None:
    dialog = page.locator("dialog[open]")
    if dialog.locator("input[name=sig_username]").count():
        dialog.locator("input[name=sig_username]").fill(username)
    dialog.locator("input[name=sig_password]").fill(PASSWORD)
    dialog.locator("button[type=submit]").click()


@pytest.mark.django_db(transaction=True)
def test_an_operator_executes_and_supervisors_verify_with_four_eyes(
    page: Any, make_user: Any
) -> None:
    engineer = make_user(R.PROCESS_ENGINEER, username="x-eng")
    qa = make_user(R.QA_REVIEWER, username="x-qa")
    TagFactory(actor=engineer, name="L3.PRESS.SPEED", equipment="L3/PRESS", unit="rpm")
    services.line_create(actor=engineer, code="L3", name="Line 3")
    record = services.master_create(
        actor=engineer, code="MR3", product="P", title="T", line="L3", steps=STEPS
    )
    record = services.master_transition(
        actor=engineer, record=record, status="in_review", reason="go"
    )
    for status, meaning in (("approved", "approved"), ("effective", "released")):
        record = services.master_transition(
            actor=qa, record=record, status=status, reason="ok",
            signature=SignatureRequest(username="x-qa", password=PASSWORD, meaning=meaning,
                                       reason="ok"),
        )  # fmt: skip
    make_user(R.OPERATOR, username="x-olga", full_name="Olga Operator")
    sam = make_user(R.SUPERVISOR, username="x-sam", full_name="Sam Supervisor")
    make_user(R.SUPERVISOR, username="x-sue", full_name="Sue Supervisor")
    now = timezone.now()
    batch = services.batch_create(
        actor=sam, batch_number="B-3", master_record="MR3", line="L3",
        start=(now - timedelta(minutes=5)).isoformat(), end=(now + timedelta(hours=8)).isoformat(),
    )  # fmt: skip
    services.batch_transition(actor=sam, batch=batch, status="in_progress", reason="go")

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet on the shop floor
    sign_in(page, "x-olga", PASSWORD)
    page.goto("/ebr/batches/B-3/execute/")
    s10 = page.locator("[data-step=S10]")
    s10.locator("input[name=v_line_clear]").check()
    s10.locator("[data-testid=sign-step]").click()
    sign(page, "x-olga")
    s10 = page.locator("[data-step=S10]")
    assert "Olga Operator" in s10.inner_text()
    assert "waits for a second person" in s10.inner_text()
    assert "waits for S10" in page.locator("[data-step=S20] [data-testid=step-state]").inner_text()
    screenshot(page, "execute-operator")
    # A correction before verification: the original stays, the new entry replaces it.
    s10.locator("details[data-testid^=correct-] summary").click()
    correction = s10.locator("details[data-testid^=correct-] form")
    correction.locator("input[name=v_line_clear]").check()
    correction.locator("input[name=reason]").fill("checked the wrong room first")
    correction.locator("[data-testid=sign-correction]").click()
    sign(page, "x-olga")
    assert "corrected" in page.locator(".messages").inner_text()
    s10 = page.locator("[data-step=S10]")
    assert s10.locator(".exec-entry").count() == 2
    assert "checked the wrong room first" in s10.locator(".exec-entry.correction").inner_text()
    assert page.goto("/ebr/verify/").status == 403  # operators do not verify
    page.goto("/accounts/login/")
    page.context.clear_cookies()

    sign_in(page, "x-sam", PASSWORD)
    page.goto("/ebr/verify/")
    page.locator("[data-testid=verify]").click()
    sign(page, "x-sam")
    assert "verified and signed" in page.locator(".messages").inner_text()
    # Sam performs S20 with a speed outside its limits: said before he signs.
    page.goto("/ebr/batches/B-3/execute/")
    s20 = page.locator("[data-step=S20]")
    s20.locator("input[name=v_turret_speed]").fill("52")
    assert "Outside its limits" in s20.locator("[data-warning]").inner_text()
    screenshot(page, "execute-outside-limits")
    s20.locator("[data-testid=sign-step]").click()
    sign(page, "x-sam")
    assert "outside limits" in page.locator("[data-step=S20]").inner_text()
    assert Deviation.objects.filter(kind="step_limit", batch__batch_number="B-3").count() == 1
    # The performer is never offered the verification of his own entry.
    page.goto("/ebr/verify/")
    row = page.locator("[data-testid=verify-queue] tbody tr").first
    assert "you performed it" in row.inner_text()
    assert row.locator("[data-testid=verify]").count() == 0
    page.context.clear_cookies()

    sign_in(page, "x-sue", PASSWORD)
    page.goto("/ebr/verify/")
    page.locator("[data-testid=verify]").click()
    sign(page, "x-sue")
    page.goto("/ebr/batches/B-3/execute/")
    states = page.locator("[data-testid=step-state]").all_inner_texts()
    assert states == ["complete", "complete"]
    assert "Sue Supervisor" in page.locator("[data-step=S20]").inner_text()
    screenshot(page, "execute-complete")
