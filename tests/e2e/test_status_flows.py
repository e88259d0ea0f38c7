"""In the browser: an auditor sees an overdue checkpoint on every page and, on the status page,
the scheduler's state, the last verification and the checkpoint's age."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in


@pytest.mark.django_db(transaction=True)
def test_an_auditor_sees_the_integrity_alarm_and_the_scheduler_state(
    page: Any, make_user: Any, settings: Any
) -> None:
    settings.CHECKPOINT_MINUTES = 0  # every event not yet checkpointed is overdue
    make_user(R.AUDITOR, username="avery", full_name="Avery Auditor")
    sign_in(page, "avery", PASSWORD)
    alarm = page.locator("[data-alarm=checkpoint_overdue]")
    assert "Checkpoint overdue" in alarm.inner_text()
    page.click("[data-nav='Audit trail']")
    assert page.locator("[data-alarm=checkpoint_overdue]").is_visible()
    alarm = page.locator("[data-alarm=checkpoint_overdue]")
    alarm.locator("a").click()
    page.wait_for_url("**/status/")
    assert "not running" in page.locator("[data-testid=scheduler-state]").inner_text()
    assert "none yet" in page.locator("[data-testid=last-verification]").inner_text()
    screenshot(page, "status-alarms")


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_describe_the_values_parameters_and_link_back(
    page: Any, make_user: Any
) -> None:
    make_user(R.PROCESS_ENGINEER, username="eli", full_name="Eli Engineer")
    sign_in(page, "eli", PASSWORD)
    page.goto("/api/docs/")
    page.get_by_text("Read a tag's values").first.click()
    page.get_by_text("at most this many intervals").first.wait_for()
    assert "time-weighted average" in page.content()
    screenshot(page, "api-docs-values")
    back = page.get_by_role("link", name="← Back to Ledgerline")
    assert back.get_attribute("href") == "/"
