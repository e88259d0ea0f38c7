"""Each human role signs in through a real browser and sees its own home page."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in

HOME_TITLES = {
    R.OPERATOR: "Operator",
    R.SUPERVISOR: "Supervisor",
    R.QA_REVIEWER: "QA review",
    R.AUDITOR: "Audit",
    R.PROCESS_ENGINEER: "Process engineering",
    R.ADMINISTRATOR: "Administration",
}


@pytest.mark.django_db(transaction=True)
def test_each_role_logs_in_and_sees_its_home_page(page: Any, make_user: Any) -> None:
    for role in R.HUMAN_ROLES:
        make_user(role, username=f"e2e-{role}", full_name=f"E2E {role.title()}")
    for role in R.HUMAN_ROLES:
        page.goto("/")
        assert "/accounts/login/" in page.url
        page.fill("input[name=username]", f"e2e-{role}")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        card = page.locator(f".role-card[data-role={role}]")
        card.wait_for()
        assert HOME_TITLES[role] in card.inner_text()
        assert page.locator("[data-testid=user-name]").inner_text() == f"E2E {role.title()}"
        nav = page.locator(".sidebar").inner_text()
        # Navigation shows only what the role may use.
        assert ("Users" in nav) == (role == R.ADMINISTRATOR)
        screenshot(page, f"home-{role}")
        page.click("text=Sign out")
        page.wait_for_url("**/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_shows_a_clear_error(page: Any, make_user: Any) -> None:
    make_user(R.OPERATOR, username="e2e-wrong")
    page.goto("/accounts/login/")
    screenshot(page, "login")
    page.fill("input[name=username]", "e2e-wrong")
    page.fill("input[name=password]", "not the password at all")
    page.click("button[type=submit]")
    assert "not correct" in page.locator(".alert-error").inner_text()


@pytest.mark.django_db(transaction=True)
def test_api_docs_and_status_render_from_local_assets(page: Any, make_user: Any) -> None:
    make_user(R.AUDITOR, username="e2e-docs")
    external: list[str] = []
    page.on(
        "request",
        lambda r: (
            external.append(r.url)
            if "127.0.0.1" not in r.url
            and "localhost" not in r.url
            and not r.url.startswith("data:")
            else None
        ),
    )
    sign_in(page, "e2e-docs", PASSWORD)
    page.goto("/status/")
    assert page.locator("[data-testid=tsdb-license]").inner_text() in {"apache", "timescale"}
    assert "BEGIN PUBLIC KEY" in page.locator("[data-testid=public-key]").inner_text()
    screenshot(page, "status")
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info").wait_for()
    assert "Ledgerline API" in page.locator(".swagger-ui .info").inner_text()
    screenshot(page, "api-docs")
    assert external == [], external
