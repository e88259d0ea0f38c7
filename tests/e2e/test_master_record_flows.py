"""A process engineer builds a master record in the browser (steps, fields with limits, a
preview as the operator sees it), submits it; QA approves it and makes it effective, each with
the signing dialog; the next version is compared side by side."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import roles as R
from ebr.models import MasterRecord
from ebr.services import line_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import TagFactory


def sign(page: Any, username: str, reason: str) -> None:
    dialog = page.locator("dialog[open]")
    if dialog.locator("input[name=sig_username]").count():
        dialog.locator("input[name=sig_username]").fill(username)
    dialog.locator("input[name=sig_password]").fill(PASSWORD)
    dialog.locator("input[name=sig_reason]").fill(reason)
    dialog.locator("button[type=submit]").click()


@pytest.mark.django_db(transaction=True)
def test_an_engineer_builds_a_master_record_and_qa_approves_it(page: Any, make_user: Any) -> None:
    engineer = make_user(R.PROCESS_ENGINEER, username="e2e-author")
    make_user(R.QA_REVIEWER, username="e2e-approver", full_name="Quinn Approver")
    TagFactory(actor=engineer, name="L4.PRESS.WEIGHT", equipment="L4/PRESS", unit="mg")
    line_create(actor=engineer, code="L4", name="Line 4")
    sign_in(page, "e2e-author", PASSWORD)
    page.click("[data-nav='Master records']")
    page.click("[data-testid=new-master] summary")
    form = page.locator("[data-testid=new-master] form")
    form.locator("input[name=code]").fill("DC-TAB-20")
    form.locator("input[name=product]").fill("Tablet 20 mg")
    form.locator("input[name=title]").fill("Direct compression, 20 mg")
    form.locator("button[type=submit]").click()
    editor = page.locator("[data-testid=mbr-editor]")
    editor.wait_for()
    # Build: a second step with a number field and limits, then a third.
    editor.locator("[data-testid=add-step]").click()
    step = editor.locator(".ed-step").nth(1)
    step.locator("input[aria-label='Step title']").fill("Start-up checks")
    step.locator("textarea").fill("Set the press to the speed of the batch plan.")
    step.locator("[data-testid=add-field]").click()
    step.locator("input[aria-label='Field name']").fill("press_speed")
    step.locator("input[aria-label=Unit]").fill("rpm")
    step.locator("input[aria-label=low]").fill("60")  # above high: the server says so
    step.locator("input[aria-label=high]").fill("40")
    editor.locator("[data-testid=add-step]").click()
    editor.locator(".ed-step").nth(2).locator("input[aria-label='Step title']").fill("Weight check")
    editor.locator("[data-testid=edit-reason]").fill("steps added")
    editor.locator("[data-testid=save-draft]").click()
    error = editor.locator("[data-error]")
    error.wait_for(state="visible")
    assert "steps[1].fields[0].high" in error.inner_text()
    assert step.locator("input[aria-label=high].ed-invalid").count() == 1
    screenshot(page, "mbr-editor-invalid")
    step.locator("input[aria-label=low]").fill("40")
    step.locator("input[aria-label=high]").fill("60")
    # Reorder: the weight check before the start-up checks, then back.
    editor.locator(".ed-step").nth(2).locator("[aria-label='Move step up']").click()
    assert (
        editor.locator(".ed-step").nth(1).locator("input[aria-label='Step title']").input_value()
        == "Weight check"
    )
    editor.locator(".ed-step").nth(2).locator("[aria-label='Move step up']").click()
    editor.locator("[data-testid=save-draft]").click()
    page.wait_for_function("document.querySelector('[data-saved]').dataset.saved === '1'")
    record = MasterRecord.objects.get(code="DC-TAB-20")
    assert [s["title"] for s in record.steps] == [
        "Line clearance",
        "Start-up checks",
        "Weight check",
    ]
    assert record.steps[1]["fields"][0]["low"] == 40
    screenshot(page, "mbr-editor")
    editor.locator("[data-testid=preview-tab]").click()
    preview = editor.locator("[data-pane=preview]")
    assert "press_speed (40 – 60 rpm) *" in preview.inner_text()
    screenshot(page, "mbr-preview")
    page.fill("[data-testid=moves] input[name=reason]", "ready for review")
    page.click("[data-testid=move-in_review]")
    assert page.locator("[data-testid=master-status]").inner_text() == "in_review"
    page.click("text=Sign out")
    sign_in(page, "e2e-approver", PASSWORD)
    page.goto("/ebr/master-records/DC-TAB-20/1/")
    page.click("[data-testid=move-approved]")
    sign(page, "e2e-approver", "every step and limit reviewed")
    assert page.locator("[data-testid=master-status]").inner_text() == "approved"
    page.click("[data-testid=move-effective]")
    sign(page, "e2e-approver", "released for production")
    assert page.locator("[data-testid=master-status]").inner_text() == "effective"
    signatures = page.locator("[data-testid=master-signatures]").inner_text()
    assert "approved" in signatures
    assert "released" in signatures
    assert "Quinn Approver" in signatures
    screenshot(page, "mbr-effective")
    # The author drafts the next version from the page, changes its title, compares it.
    page.click("text=Sign out")
    sign_in(page, "e2e-author", PASSWORD)
    page.goto("/ebr/master-records/DC-TAB-20/1/")
    page.click("[data-testid=draft-next]")
    editor = page.locator("[data-testid=mbr-editor]")
    editor.locator("input[data-path=title]").fill("Direct compression, 20 mg (rev. 2)")
    editor.locator("[data-testid=edit-reason]").fill("title revised")
    editor.locator("[data-testid=save-draft]").click()
    page.wait_for_function("document.querySelector('[data-saved]').dataset.saved === '1'")
    assert MasterRecord.objects.get(code="DC-TAB-20", version=2).title.endswith("(rev. 2)")
    page.click("[data-testid=diff-link]")
    changed = page.locator("[data-testid=diff] tr[data-kind=changed]")
    assert changed.count() == 1
    assert "rev. 2" in changed.inner_text()
    screenshot(page, "mbr-diff")
