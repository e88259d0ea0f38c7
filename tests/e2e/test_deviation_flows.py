"""An operator raises a deviation; QA investigates it and closes it with root cause, impact,
CAPA and a signature; a CPP excursion's page shows the trend around it."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from accounts import roles as R
from audit.actors import SystemActor
from ebr import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in


@pytest.mark.django_db(transaction=True)
def test_a_deviation_is_raised_investigated_and_closed(page: Any, make_user: Any) -> None:
    call_command(
        "simulate_line", "--line", "L1", "--start", "2026-03-01T06:00:00Z", "--hours", "1",
        "--seed", "4", "--quiet", stdout=StringIO(),
    )  # fmt: skip
    engineer = make_user(R.PROCESS_ENGINEER, username="d-eng")
    services.line_create(actor=engineer, code="L1", name="Line 1")
    make_user(R.OPERATOR, username="d-olga")
    make_user(R.QA_REVIEWER, username="d-qa", full_name="Quinn Closer")
    excursion, _ = services.deviation_raise(
        actor=SystemActor("system:cpp-monitor"), line="L1", kind="cpp_excursion",
        severity="major", tag="L1.PRESS.TABLET_WEIGHT", start="2026-03-01T06:20:00Z",
        end="2026-03-01T06:25:00Z", description="tablet weight above 257.5 mg",
        source_key="e2e:excursion",
    )  # fmt: skip
    sign_in(page, "d-olga", PASSWORD)
    page.click("[data-nav=Deviations]")
    page.click("[data-testid=raise-deviation] summary")
    form = page.locator("[data-testid=raise-deviation] form")
    form.locator("select[name=severity]").select_option("major")
    form.locator("input[name=start]").fill("2026-03-01T06:10")
    form.locator("textarea[name=description]").fill("Hopper 1 bridged; the flow dropped.")
    form.locator("button[type=submit]").click()
    assert page.locator("[data-testid=deviation-status]").inner_text() == "open"
    number = page.locator("h1").inner_text().split()[0]
    page.context.clear_cookies()

    sign_in(page, "d-qa", PASSWORD)
    page.goto(f"/ebr/deviations/{number}/")
    page.fill("input[aria-label='Reason to investigate']", "assigned to QA")
    page.click("[data-testid=investigate]")
    assert page.locator("[data-testid=deviation-status]").inner_text() == "investigating"
    close = page.locator("[data-testid=close-form]")
    close.locator("textarea[name=root_cause]").fill("API lot with high fines bridged")
    close.locator("textarea[name=impact]").fill("6 minutes of low API flow; material diverted")
    close.locator("input[name=capa]").fill("CAPA-2026-014")
    close.locator("[data-testid=close]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("input[name=sig_username]").fill("d-qa")
    dialog.locator("input[name=sig_password]").fill(PASSWORD)
    dialog.locator("button[type=submit]").click()
    assert page.locator("[data-testid=deviation-status]").inner_text() == "closed"
    manifestation = page.locator("[data-testid=manifestation]").inner_text()
    assert "Quinn Closer" in manifestation
    assert "approved" in manifestation
    screenshot(page, "deviation-closed")
    page.goto(f"/ebr/deviations/{excursion.number}/")
    page.wait_for_function(
        "document.querySelector('[data-testid=deviation-trend]').contentDocument"
        "?.getElementById('trend-status')?.dataset.loaded === '1'"
    )
    screenshot(page, "deviation-excursion")
