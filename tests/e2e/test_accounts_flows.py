"""In the browser: the login page counts the attempts left, the administrator meets the
separation-of-duties rule and the reason, and unknown addresses get the app's own page."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in


@pytest.mark.django_db(transaction=True)
def test_the_login_page_says_how_many_attempts_remain(
    page: Any, make_user: Any, settings: Any
) -> None:
    settings.LOCKOUT_THRESHOLD = 3
    make_user(R.OPERATOR, username="olga")
    page.goto("/accounts/login/")
    said = []
    for _ in range(3):
        page.fill("input[name=username]", "olga")
        page.fill("input[name=password]", "not her password")
        page.click("button[type=submit]")
        said.append(page.locator(".errorlist, .alert-error").first.inner_text())
    assert "2 attempts remain" in said[0]
    assert "1 attempt remains" in said[1]
    assert "now locked" in said[2]
    screenshot(page, "login-locked")


@pytest.mark.django_db(transaction=True)
def test_the_administrator_meets_the_separation_of_duties_rule_and_the_reason(
    page: Any, make_user: Any, settings: Any
) -> None:
    make_user(R.ADMINISTRATOR, username="ada", full_name="Ada Admin")
    sign_in(page, "ada", PASSWORD)
    page.goto("/accounts/users/new/")
    page.fill("input[name=username]", "twohats")
    page.fill("input[name=full_name]", "Two Hats")
    page.check(f"input[name=roles][value={R.OPERATOR}]")
    page.check(f"input[name=roles][value={R.QA_REVIEWER}]")
    page.fill("[name=reason]", "new starter")
    page.click("text=Create user")
    text = page.locator("form.form").inner_text()
    assert "cannot be held by one account" in text
    assert "21 CFR 211.22" in text
    screenshot(page, "user-form-separation-of-duties")

    settings.DEBUG = True  # as in the demo: still the app's own page, never Django's
    page.goto("/ebr/")
    assert "There is nothing at this address" in page.content()
    assert "URLconf" not in page.content()
    screenshot(page, "not-found")
