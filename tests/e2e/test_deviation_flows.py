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


@pytest.mark.django_db(transaction=True)
def test_the_deviation_page_ranks_the_root_cause_with_evidence_charts(
    page: Any, make_user: Any
) -> None:
    """The API feeder bridges for six minutes; the NIR's excursion page ranks the feeder's
    mass flow first, draws the evidence charts aligned by lag, and lists every candidate."""
    call_command(
        "simulate_line", "--line", "L1", "--start", "2026-03-01T06:00:00Z", "--hours", "1",
        "--seed", "4", "--fault", "feeder_drop@35m+6m:feeder=FEEDER1,factor=0.55", "--quiet",
        stdout=StringIO(),
    )  # fmt: skip
    engineer = make_user(R.PROCESS_ENGINEER, username="rc-eng")
    make_user(R.QA_REVIEWER, username="rc-qa")
    line = services.line_create(actor=engineer, code="L1", name="Line 1",
                                outlet_tag="L1.OUTLET.MASSFLOW")  # fmt: skip
    for feeder in ("FEEDER1", "FEEDER2", "FEEDER3"):
        services.rtd_model_create(actor=engineer, line=line, feeder=feeder,
                                  model="tanks_in_series", n=4.0, tau_s=90.0, delay_s=15.0,
                                  effective_from="2026-02-01T00:00:00Z",
                                  reason="tracer study")  # fmt: skip
    excursion, _ = services.deviation_raise(
        actor=SystemActor("system:cpp-monitor"), line="L1", kind="cpp_excursion",
        severity="major", tag="L1.NIR.API_CONC", start="2026-03-01T06:36:00Z",
        end="2026-03-01T06:44:00Z", description="API below 9.5 % w/w", source_key="e2e:rc",
    )  # fmt: skip
    sign_in(page, "rc-qa", PASSWORD)
    page.goto(f"/ebr/deviations/{excursion.number}/")
    ranking = page.locator("[data-testid=rootcause]")
    ranking.locator("[data-rootcause-busy]").wait_for(state="hidden", timeout=60_000)
    assert ranking.get_attribute("data-loaded") == "1"
    first = ranking.locator("tbody tr").first
    assert "L1.FEEDER1.MASSFLOW" in first.inner_text()
    assert "via RTD" in first.inner_text()
    charts = ranking.locator("[data-testid=rootcause-chart] canvas")
    assert charts.count() >= 3
    assert "through the RTD" in ranking.locator("[data-testid=rootcause-chart]").first.inner_text()
    shown = ranking.locator("tbody tr").count()
    ranking.locator("[data-rootcause-all]").click()
    assert ranking.locator("tbody tr").count() > shown
    assert "controller output of L1.FEEDER1.MASSFLOW" in ranking.inner_text()
    screenshot(page, "deviation-root-cause")
