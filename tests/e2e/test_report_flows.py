"""Reports in the browser: the deviation's "PDF report" link asks for the PDF on the background
queue and shows the rendering's progress, then opens it once the worker is done; an auditor
checks the PDF on the verification page — authentic and unchanged — and a tampered copy is
refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts import roles as R
from ebr import services as ebr_services
from reports import services
from reports.models import Document
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import TagFactory


@pytest.mark.django_db(transaction=True)
def test_a_report_renders_in_the_background_and_verifies(
    page: Any, make_user: Any, tmp_path: Path
) -> None:
    eli = make_user(R.PROCESS_ENGINEER, username="r-eli")
    qa = make_user(R.QA_REVIEWER, username="r-qa", full_name="Quinn Reviewer")
    make_user(R.AUDITOR, username="r-ada", full_name="Ada Auditor")
    TagFactory(actor=eli, name="L5.PRESS.WEIGHT", equipment="L5/PRESS", unit="mg")
    ebr_services.line_create(actor=eli, code="L5", name="Line 5")
    deviation, _ = ebr_services.deviation_raise(
        actor=eli, line="L5", kind="manual", severity="minor", start="2026-03-06T10:00:00Z",
        description="Capping seen on two tablets",
    )  # fmt: skip
    page.set_viewport_size({"width": 1360, "height": 900})
    sign_in(page, "r-qa", PASSWORD)
    page.goto(f"/ebr/deviations/{deviation.number}/")
    page.locator("[data-testid=deviation-pdf]").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=report-status]').textContent"
        ".includes('rendering')"
    )
    screenshot(page, "report-rendering")
    document = Document.objects.get()
    assert document.state == "queued"  # no worker in the test: do its work now
    services.complete(actor=qa, document=document)
    # The page sees it done and opens the PDF (headless Chromium downloads it).
    page.wait_for_function(
        "() => document.querySelector('[data-testid=report-status]').textContent"
        ".includes('ready (1 page, signed)')"
    )
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(bytes(Document.objects.get().pdf or b""))
    # An auditor verifies the file, then a copy with one byte changed.
    page.context.clear_cookies()
    sign_in(page, "r-ada", PASSWORD)
    page.goto("/reports/verify/")
    page.locator("input[name=file]").set_input_files(str(pdf))
    page.locator("[data-testid=verify-form] button[type=submit]").click()
    assert "Authentic and unchanged" in page.locator("[data-testid=verdict-ok]").inner_text()
    assert document.document_id in page.locator("[data-testid=verdict]").inner_text()
    screenshot(page, "report-verified")
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    page.locator("input[name=file]").set_input_files(str(tampered))
    page.locator("[data-testid=verify-form] button[type=submit]").click()
    assert "Not authentic" in page.locator("[data-testid=verdict-bad]").inner_text()
