"""A supervisor receives a lot on the lines-and-lots page; QA releases it with a signature."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from ebr.services import line_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import TagFactory


@pytest.mark.django_db(transaction=True)
def test_a_lot_is_received_and_released_by_signature(page: Any, make_user: Any) -> None:
    engineer = make_user(R.PROCESS_ENGINEER, username="e2e-eng")
    TagFactory(actor=engineer, name="L5.OUTLET.MASSFLOW", equipment="L5/OUTLET", unit="kg/h")
    TagFactory(actor=engineer, name="L5.FEEDER1.MASSFLOW", equipment="L5/FEEDER1", unit="kg/h")
    line_create(actor=engineer, code="L5", name="Line 5", outlet_tag="L5.OUTLET.MASSFLOW")
    make_user(R.SUPERVISOR, username="e2e-sup")
    make_user(R.QA_REVIEWER, username="e2e-qa", full_name="Quinn Reviewer")
    sign_in(page, "e2e-sup", PASSWORD)
    page.click("[data-nav='Lines and lots']")
    assert "L5.OUTLET.MASSFLOW" in page.locator("[data-testid=lines]").inner_text()
    page.click("[data-testid=receive-lot] summary")
    form = page.locator("[data-testid=receive-lot] form")
    form.locator("input[name=material]").fill("API-X")
    form.locator("input[name=lot]").fill("X-100")
    form.locator("input[name=quantity]").fill("25")
    form.locator("input[name=expires_at]").fill("2027-06-30T00:00")
    form.locator("button[type=submit]").click()
    assert "received into quarantine" in page.locator(".messages, .alert").first.inner_text()
    row = page.locator("[data-lot='API-X/X-100']")
    assert "quarantine" in row.inner_text()
    assert row.locator("[data-testid=release-lot]").count() == 0  # supervisors do not release
    page.click("text=Sign out")
    sign_in(page, "e2e-qa", PASSWORD)
    page.goto("/ebr/lines/")
    row = page.locator("[data-lot='API-X/X-100']")
    row.locator("[data-testid=release-lot]").click()
    dialog = row.locator("dialog[open]")
    dialog.locator("input[name=sig_username]").fill("e2e-qa")
    dialog.locator("input[name=sig_password]").fill(PASSWORD)
    dialog.locator("input[name=sig_reason]").fill("certificate of analysis checked")
    screenshot(page, "lot-release-dialog")
    dialog.locator("button[type=submit]").click()
    row = page.locator("[data-lot='API-X/X-100']")
    text = row.inner_text()
    assert "released" in text
    assert "Quinn Reviewer" in text
    assert "certificate of analysis checked" in text
    screenshot(page, "lines-and-lots")
