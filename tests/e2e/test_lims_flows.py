"""The LIMS bridge in the browser: QA saves a column mapping, uploads a result file, sees its
rows previewed (nothing stored yet), a broken file's rows named, imports the good one and finds
the results on the batch page with the OOS flagged; a SENAITE pull shows in the history with
its counts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts import roles as R
from audit.actors import SystemActor
from ebr import services as ebr_services
from lims_bridge import senaite, services
from lims_bridge.models import Result
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.ebr.test_batches import effective
from tests.factories import TagFactory
from tests.lims_bridge import fake_senaite

COLUMNS = {"ID": "lims_id", "Rev": "revision", "Sample": "sample_id", "Batch": "batch_number",
           "Test": "test", "Value": "result", "Unit": "unit", "Min": "spec_low", "Max": "spec_high",
           "State": "status"}  # fmt: skip
GOOD = ("ID,Rev,Sample,Batch,Test,Value,Unit,Min,Max,State\n"
        "E-1,1,S-1,B-7,assay,99.4,%,95,105,verified\n"
        "E-2,1,S-1,B-7,assay,93.1,%,95,105,to_be_verified\n")  # fmt: skip


def _batch(make_user: Any) -> None:
    eli = make_user(R.PROCESS_ENGINEER, username="l-eli")
    quinn = make_user(R.QA_REVIEWER, username="quinn", full_name="Quinn Reviewer")
    TagFactory(actor=eli, name="L7.PRESS.WEIGHT", equipment="L7/PRESS", unit="mg")
    ebr_services.line_create(actor=eli, code="L7", name="Line 7")
    record = ebr_services.master_create(
        actor=eli, code="MR7", product="P", title="T", line="L7",
        steps=[{"code": "S1", "title": "Run"}],
        lims_tests=[{"test": "assay", "unit": "%", "low": 95.0, "high": 105.0}],
    )  # fmt: skip
    effective(record, eli, quinn)
    now = timezone.now()
    ebr_services.batch_create(actor=make_user(R.SUPERVISOR), batch_number="B-7",
                              master_record="MR7", line="L7",
                              start=(now - timedelta(hours=4)).isoformat(),
                              end=now.isoformat())  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_qa_imports_a_result_file_after_its_preview(
    page: Any, make_user: Any, tmp_path: Path
) -> None:
    _batch(make_user)
    page.set_viewport_size({"width": 1360, "height": 1000})
    sign_in(page, "quinn", PASSWORD)
    page.goto("/lims/")
    form = page.locator("[data-testid=mapping-form]")
    form.locator("input[name=name]").fill("lab-export")
    form.locator("textarea[name=columns]").fill(json.dumps(COLUMNS))
    form.locator("button[type=submit]").click()
    assert "Mapping lab-export saved" in page.locator(".messages").inner_text()
    broken = tmp_path / "broken.csv"
    broken.write_text(GOOD + "E-3,1,S-1,NOPE,assay,99,%,95,105,verified\n")
    upload = page.locator("[data-testid=upload-form]")
    upload.locator("input[name=file]").set_input_files(str(broken))
    upload.locator("button[type=submit]").click()
    problems = page.locator("[data-testid=preview-problems]").inner_text()
    assert "row 4, batch_number: no batch NOPE" in problems
    assert page.locator("[data-testid=confirm-import]").count() == 0
    good = tmp_path / "results.csv"
    good.write_text(GOOD)
    page.goto("/lims/")
    upload.locator("input[name=file]").set_input_files(str(good))
    upload.locator("button[type=submit]").click()
    rows = page.locator("[data-testid=preview-rows]").inner_text()
    assert "E-1" in rows
    assert "93.1" in rows
    assert page.locator("[data-testid=preview-flag]").inner_text() == "OOS"  # 93.1 < 95
    assert Result.objects.count() == 0  # the preview stores nothing
    screenshot(page, "lims-preview")
    page.locator("[data-testid=confirm-import]").click()
    assert "2 result(s) stored" in page.locator(".messages").inner_text()
    assert "created 2" in page.locator("[data-testid=transfers]").inner_text()
    page.goto("/ebr/batches/B-7/")
    results = page.locator("[data-testid=lims-results]")
    assert results.locator("[data-testid=oos]").count() == 1
    results.scroll_into_view_if_needed()
    assert page.locator("[data-testid=genealogy-empty]").is_visible()  # no feeds on L7
    screenshot(page, "lims-batch-results")


@pytest.mark.django_db(transaction=True)
def test_a_pull_shows_in_the_history_with_its_counts(page: Any, make_user: Any) -> None:
    _batch(make_user)
    lab = fake_senaite.Lims()
    lab.sample("s1", "W-1", "B-7")
    lab.analysis("a1", "s1", "assay", "99.9", state="verified")
    lab.analysis("a2", "s1", "assay", None)
    actor = SystemActor("system:test-pull")
    with fake_senaite.running(lab) as url:
        site = senaite.Site(url, fake_senaite.USER, fake_senaite.PASSWORD)
        transfer = services.pull_queue(actor=actor, site=site)
        services.pull_senaite(actor=actor, transfer=transfer, site=site)
    sign_in(page, "quinn", PASSWORD)
    page.goto("/lims/")
    row = page.locator(f"[data-testid=transfers] [data-transfer='{transfer.pk}']").inner_text()
    assert "done" in row
    assert "created 1" in row
    assert "without a result yet 1" in row
    screenshot(page, "lims-history")
