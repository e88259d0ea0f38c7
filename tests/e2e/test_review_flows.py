"""QA's review by exception in the browser: a closed batch with a CPP excursion and an
out-of-limit entry cannot be released — the button waits, and the server refuses a forced
release — until QA has closed the deviations and reviewed every exception under signature;
then QA releases it, and the record shows the disposition's manifestation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import roles as R
from audit.signing import SignatureRequest
from ebr import services
from ebr.models import Batch, Deviation
from ebr.services.monitoring import cpp_check
from historian.ingest import ingest_samples
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_execution_flows import sign
from tests.factories import TagFactory

STEPS = [
    {"code": "S10", "title": "Line clearance", "fields": [{"name": "line_clear", "type": "bool"}],
     "required_signatures": ["performed", "verified"]},
    {"code": "S20", "title": "Press start-up",
     "fields": [{"name": "turret_speed", "type": "number", "unit": "rpm", "low": 35, "high": 45}]},
]  # fmt: skip


def _signed(username: str, meaning: str) -> SignatureRequest:
    return SignatureRequest(username=username, password=PASSWORD, meaning=meaning, reason="ok")


def _closed_batch(make_user: Any, make_service_account: Any) -> None:
    """B-4 on line L4: executed (S20 outside its limits), a tablet-weight excursion in its
    window, closed."""
    engineer = make_user(R.PROCESS_ENGINEER, username="r-eng")
    qa = make_user(R.QA_REVIEWER, username="r-qa", full_name="Quinn Reviewer")
    TagFactory(actor=engineer, name="L4.PRESS.WEIGHT", equipment="L4/PRESS", unit="mg",
               spec_low=245, spec_high=255)  # fmt: skip
    services.line_create(actor=engineer, code="L4", name="Line 4")
    record = services.master_create(
        actor=engineer, code="MR4", product="P", title="T", line="L4", steps=STEPS,
        parameter_specs=[{"tag": "L4.PRESS.WEIGHT", "low": 245, "high": 255}],
    )  # fmt: skip
    record = services.master_transition(actor=engineer, record=record, status="in_review",
                                        reason="go")  # fmt: skip
    for status, meaning in (("approved", "approved"), ("effective", "released")):
        record = services.master_transition(actor=qa, record=record, status=status, reason="ok",
                                            signature=_signed("r-qa", meaning))  # fmt: skip
    olga = make_user(R.OPERATOR, username="r-olga", full_name="Olga Operator")
    sam = make_user(R.SUPERVISOR, username="r-sam", full_name="Sam Supervisor")
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(minutes=30)
    batch = services.batch_create(actor=sam, batch_number="B-4", master_record="MR4", line="L4",
                                  start=start.isoformat(), end=now.isoformat())  # fmt: skip
    batch = services.batch_transition(actor=sam, batch=batch, status="in_progress", reason="go")
    services.entry_record(actor=olga, batch=batch, step_code="S10", values={"line_clear": True},
                          signature=_signed("r-olga", "performed"))  # fmt: skip
    services.entry_verify(actor=sam, batch=batch, step_code="S10",
                          signature=_signed("r-sam", "verified"))  # fmt: skip
    services.entry_record(actor=olga, batch=batch, step_code="S20", values={"turret_speed": 52},
                          signature=_signed("r-olga", "performed"))  # fmt: skip
    account, _ = make_service_account("r-collector")
    items = [
        {"tag": "L4.PRESS.WEIGHT", "ts": (start + timedelta(seconds=s)).isoformat(),
         "value": 262.0 if 900 <= s < 960 else 250.0 + (s % 5) * 0.3}
        for s in range(0, 1800, 2)
    ]  # fmt: skip
    assert ingest_samples(actor=account, source="t", ingest_key="r4", items=items).status == 201
    cpp_check(batch, "L4.PRESS.WEIGHT")
    services.batch_transition(actor=sam, batch=batch, status="closed", reason="window over")


@pytest.mark.django_db(transaction=True)
def test_qa_releases_only_after_deviations_closed_and_exceptions_reviewed(
    page: Any, make_user: Any, make_service_account: Any
) -> None:
    _closed_batch(make_user, make_service_account)
    assert {d.kind for d in Deviation.objects.all()} == {"step_limit", "cpp_excursion"}
    page.set_viewport_size({"width": 1360, "height": 1000})
    sign_in(page, "r-qa", PASSWORD)
    page.goto("/ebr/review/")
    row = page.locator("[data-testid=review-queue] tbody tr", has_text="B-4")
    assert "closed" in row.inner_text()
    row.locator("[data-testid=review-B-4]").click()
    page.wait_for_url("**/ebr/review/B-4/")
    blockers = page.locator("[data-testid=blockers]").inner_text()
    assert blockers.count("open deviation") == 2
    assert page.locator("[data-testid=release]").is_disabled()
    page.locator("[data-testid=review-trend]").scroll_into_view_if_needed()
    screenshot(page, "review-blocked")
    # Forcing the release anyway: the server refuses and lists what blocks it.
    page.evaluate("document.querySelector('[data-testid=release]').disabled = false")
    page.locator("[data-testid=release]").click()
    sign(page, "r-qa")
    assert "cannot be released yet" in page.locator(".messages").inner_text()
    assert Batch.objects.get().status == "closed"
    # QA closes both deviations with root cause, impact and CAPA, signed.
    for deviation in Deviation.objects.order_by("number"):
        page.goto(f"/ebr/deviations/{deviation.number}/")
        form = page.locator("[data-testid=close-form]")
        form.locator("textarea[name=root_cause]").fill("Press set-up after the changeover")
        form.locator("textarea[name=impact]").fill("None: tablets within their attributes")
        form.locator("input[name=capa]").fill("CAPA-2026-004")
        form.locator("[data-testid=close]").click()
        sign(page, "r-qa")
        assert page.locator("[data-testid=deviation-status]").inner_text() == "closed"
    # Then every exception, reviewed one by one with a comment and a signature.
    page.goto("/ebr/review/B-4/")
    reviewed = 0
    buttons = "[data-exception] button[data-testid^='review-']"
    while page.locator(buttons).count():
        button = page.locator(buttons)
        form = button.first.locator("xpath=ancestor::form")
        form.locator("textarea[name=comment]").fill("Looked at the record and the trend: fine.")
        button.first.click()
        sign(page, "r-qa")
        assert "reviewed and signed" in page.locator(".messages").inner_text()
        reviewed += 1
    assert reviewed == 3  # the out-of-limit entry and the two deviations
    assert page.locator("[data-testid=release-ready]").is_visible()
    page.locator("[data-testid=release]").click()
    sign(page, "r-qa")
    assert "released and signed" in page.locator(".messages").inner_text()
    assert page.locator("[data-testid=batch-status]").inner_text() == "released"
    assert "Quinn Reviewer" in page.locator("[data-testid=disposition]").inner_text()
    assert "released" in page.locator("[data-testid=review-signatures]").inner_text()
    screenshot(page, "review-released")
    assert Batch.objects.get().status == "released"
