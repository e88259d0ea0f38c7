"""The auditor opens the trail, filters, exports and starts a verification; QA signs a review."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from accounts import roles as R
from audit.context import audit_context
from audit.signing import SignatureRequest, sign_record
from tests.audit.helpers import public_key_file, standalone
from tests.audit.test_api_and_pages import run_worker
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.testapp.models import Specimen


@pytest.fixture
def trail_data(make_user: Any) -> None:
    engineer = make_user(R.PROCESS_ENGINEER, username="eli", full_name="Eli Engineer")
    with audit_context(actor=engineer, reason=""):
        made = [Specimen.objects.create(name=f"blend {i}", value=97 + i) for i in range(4)]
    with audit_context(actor=engineer, reason="balance recalibrated"):
        Specimen.objects.filter(pk=made[0].pk).update(value=98.4)


@pytest.mark.django_db(transaction=True)
def test_auditor_filters_exports_and_verifies(page: Any, make_user: Any, trail_data: None) -> None:
    make_user(R.AUDITOR, username="avery", full_name="Avery Auditor")
    sign_in(page, "avery", PASSWORD)
    page.click("[data-nav='Audit trail']")
    page.fill("input[name=user]", "eli")
    page.select_option("select[name=action]", "update")
    page.click("text=Filter")
    table = page.locator("[data-testid=trail-table]")
    assert "balance recalibrated" in table.inner_text()
    assert table.locator("td.new").first.inner_text() == "98.4"
    screenshot(page, "audit-trail")

    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.splitlines()[0].startswith("seq,occurred_at")
    assert "balance recalibrated" in content
    assert len(content.splitlines()) == 2  # the header and the one filtered event

    page.click("[data-nav='Verification']")
    page.click("[data-testid=start-verification]")
    page.locator("[data-testid=verification-running]").wait_for()
    # The page polls while the run is queued: its polls are not a person's activity, so they
    # do not keep an idle session alive.
    with page.expect_request("**/api/v1/audit/verify/") as first_poll:
        pass
    with page.expect_request("**/api/v1/audit/verify/") as second_poll:
        pass
    for poll in (first_poll.value, second_poll.value):
        assert "x-ledgerline-activity" not in poll.headers
    worker = threading.Thread(target=run_worker)
    worker.start()
    worker.join(timeout=60)
    result = page.locator("[data-testid=verification-result]")
    result.wait_for(timeout=20000)
    assert result.inner_text().startswith("OK ")
    screenshot(page, "audit-verification")


@pytest.mark.django_db(transaction=True)
def test_qa_signs_a_review_in_the_signing_dialog(
    page: Any, make_user: Any, trail_data: None
) -> None:
    make_user(R.QA_REVIEWER, username="quinn", full_name="Quinn Reviewer")
    sign_in(page, "quinn", PASSWORD)
    page.goto("/audit/?model=testapp.specimen")
    page.click("text=Record review (sign)")
    dialog = page.locator("[data-testid=signing-dialog]")
    dialog.wait_for()
    screenshot(page, "signing-dialog")
    dialog.locator("input[name=sig_username]").fill("quinn")
    dialog.locator("input[name=sig_password]").fill(PASSWORD)
    dialog.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "recorded and signed" in page.locator(".messages").inner_text()
    manifestation = page.locator("[data-testid=signature-manifestation]").first
    text = manifestation.inner_text()
    assert "Quinn Reviewer" in text
    assert "Reviewed" in text
    assert "UTC" in text
    screenshot(page, "review-signed")


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_meets_the_newest_events_follows_a_record_and_verifies_the_download(
    page: Any, make_user: Any, trail_data: None, settings: Any, tmp_path: Path
) -> None:
    settings.TIME_ZONE = "Europe/Zurich"
    make_user(R.QA_REVIEWER, username="quinn", full_name="Quinn Reviewer")
    specimen = Specimen.objects.order_by("pk").first()
    assert specimen is not None
    sign_record(
        record=specimen,
        request=SignatureRequest(
            username="quinn", password=PASSWORD, meaning="approved", reason="results reviewed"
        ),
    )
    sign_in(page, "quinn", PASSWORD)
    page.click("[data-nav='Audit trail']")
    table = page.locator("[data-testid=trail-table]")
    assert "No event matches" not in table.inner_text()
    assert "Approved" in table.inner_text()  # the newest event, the signature, comes first
    assert "Times in Europe/Zurich, UTC beside." in page.content()
    assert "UTC)" in table.locator("time.when").first.inner_text()
    screenshot(page, "audit-trail-default")

    # The signature names the record it signs; its history holds the changes and signature.
    page.locator("[data-testid=signed-record]").first.click()
    history = page.locator("[data-testid=record-history]")
    text = history.inner_text()
    assert "blend 0" in text
    assert "Quinn Reviewer" in text
    assert "balance recalibrated" in text
    screenshot(page, "audit-record-history")

    # The unfiltered JSON Lines download verifies offline with the server's public key.
    page.click("text=In the trail")
    page.goto("/audit/")
    with page.expect_download() as download:
        page.click("[data-testid=export-jsonl]")
    trail = tmp_path / "trail.jsonl"
    trail.write_bytes(Path(download.value.path()).read_bytes())
    code, line, err = standalone(trail, public_key_file(tmp_path))
    assert code == 0, err
    assert line.startswith("OK ")

    # A filter by the name people use; a bad date says which field, by its label.
    page.fill("input[name=model]", "Specimen")
    page.click("text=Filter")
    assert "6 events" in page.locator("h2").first.inner_text()  # 4 inserts, 1 update, 1 signature
    assert page.locator("[data-testid=export-extract]").is_visible()
    screenshot(page, "audit-trail-filtered")
