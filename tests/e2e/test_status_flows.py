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
