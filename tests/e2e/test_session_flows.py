"""In the browser: the idle warning's button keeps the session, and the end of an idle session
returns, after signing in again, to the very address (its query keeps the view)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in


@pytest.mark.django_db(transaction=True)
def test_the_warnings_button_keeps_the_session(page: Any, make_user: Any, settings: Any) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 63  # the warning shows in the last minute: after ~3 s
    make_user(R.AUDITOR, username="avery", full_name="Avery Auditor")
    sign_in(page, "avery", PASSWORD)
    banner = page.locator("[data-testid=idle-banner]")
    banner.wait_for(state="visible", timeout=10000)
    assert "signed out in" in banner.inner_text()
    screenshot(page, "idle-warning")
    with page.expect_response("**/accounts/session/alive/") as alive:
        banner.get_by_role("button", name="Stay signed in").click()
    assert alive.value.status == 204
    assert alive.value.request.headers.get("x-ledgerline-activity") == "1"
    assert banner.is_hidden()


@pytest.mark.django_db(transaction=True)
def test_an_idle_session_ends_and_signing_in_returns_to_the_same_address(
    page: Any, make_user: Any, settings: Any
) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 4
    make_user(R.AUDITOR, username="avery", full_name="Avery Auditor")
    sign_in(page, "avery", PASSWORD)
    page.goto("/audit/?action=update&user=avery")
    page.wait_for_url("**/accounts/login/**", timeout=20000)
    assert "inactivity" in page.content()
    page.fill("input[name=username]", "avery")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/audit/?action=update&user=avery")
    assert page.locator("select[name=action]").input_value() == "update"
