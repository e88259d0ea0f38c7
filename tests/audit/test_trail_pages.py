"""The trail as a QA reviewer meets it: the newest events by default, exports of what the filter
selects (the full one verifiable offline), every record's whole history, changes people read."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts import roles as R
from audit.context import audit_context
from audit.models import AuditEvent
from audit.signing import SignatureRequest, sign_record
from tests.audit.helpers import public_key_file, standalone
from tests.conftest import PASSWORD
from tests.testapp.models import Specimen

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(make_user: Any) -> dict[str, Any]:
    qa = make_user(R.QA_REVIEWER, username="quinn", full_name="Quinn Reviewer")
    auditor = make_user(R.AUDITOR, username="avery", full_name="Avery Auditor")
    with audit_context(actor=qa, reason=""):
        first = Specimen.objects.create(name="blend uniformity", value=98.7, note="x" * 400)
        second = Specimen.objects.create(name="assay", value=101.2, supersedes=first)
    with audit_context(actor=qa, reason="rounding corrected"):
        Specimen.objects.filter(pk=second.pk).update(value=101.0)
    signature = sign_record(
        record=first,
        request=SignatureRequest(
            username="quinn", password=PASSWORD, meaning="approved", reason="results reviewed"
        ),
    )
    client = Client()
    client.force_login(auditor)
    return {"first": first, "second": second, "signature": signature, "client": client}


def body(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_default_trail_lists_the_newest_events(scene: dict[str, Any]) -> None:
    html = scene["client"].get("/audit/").content.decode()
    total = AuditEvent.objects.filter(seq__isnull=False).count()
    assert "No event matches" not in html
    assert f"{total} events" in html
    newest = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").first()
    assert newest is not None
    assert newest.seq is not None
    assert html.index(f'<td class="mono">{newest.seq}</td>') < html.index(
        f'<td class="mono">{newest.seq - 1}</td>'
    )


def test_an_unfiltered_csv_export_holds_every_event_and_is_recorded_so(
    scene: dict[str, Any],
) -> None:
    before = AuditEvent.objects.filter(seq__isnull=False).count()
    rows = list(csv.DictReader(io.StringIO(body(scene["client"].get("/audit/export.csv")))))
    recorded = AuditEvent.objects.filter(changes__event="audit_trail_exported").get()
    assert recorded.changes["events"] == before  # counted when asked, before its own event
    assert len(rows) == before + 1  # the download then includes the export's own event


def test_the_unfiltered_json_lines_download_verifies_offline(
    scene: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "trail.jsonl"
    path.write_text(body(scene["client"].get("/audit/export.jsonl")), encoding="utf-8")
    code, line, err = standalone(path, public_key_file(tmp_path))
    assert code == 0, err
    head = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").first()
    assert head is not None
    assert line == f"OK {head.seq} events head {head.hash}"


def test_a_filtered_download_says_it_is_an_extract_and_the_verifier_says_what_to_do(
    scene: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "extract.jsonl"
    path.write_text(
        body(scene["client"].get("/audit/export.jsonl", {"action": "update", "model": "Specimen"})),
        encoding="utf-8",
    )
    header = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert (header["format"], header["verifiable"], header["events"]) == (
        "ledgerline-audit-extract",
        False,
        1,
    )
    code, _, err = standalone(path, public_key_file(tmp_path))
    assert code == 2
    assert "not verifiable" in err
    assert "Export JSON Lines with no filter" in err
    page = scene["client"].get("/audit/", {"action": "update"}).content.decode()
    assert "not verifiable alone" in page
    assert 'data-testid="export-jsonl"' in page  # the full export is offered beside it


def test_a_record_history_holds_its_changes_and_the_signatures_on_it(
    scene: dict[str, Any],
) -> None:
    first = scene["first"]
    html = scene["client"].get(f"/audit/records/testapp_specimen/{first.pk}/").content.decode()
    assert "Specimen" in html
    assert "blend uniformity" in html
    assert "Quinn Reviewer" in html  # the manifestation of the signature on it
    assert "Approved" in html
    assert "results reviewed" in html
    second = scene["second"]
    html = scene["client"].get(f"/audit/records/testapp_specimen/{second.pk}/").content.decode()
    assert "rounding corrected" in html
    assert "Quinn Reviewer" not in html
    missing = scene["client"].get("/audit/records/testapp_specimen/999999/")
    assert missing.status_code == 404


def test_changes_read_as_people_read_them(scene: dict[str, Any]) -> None:
    first = scene["first"]
    html = scene["client"].get("/audit/", {"model": "Specimen"}).content.decode()
    # The model filter takes the name people use; a reference shows the record's name.
    assert "4 events" in html  # two inserts, one update, and the signature on the first
    assert f"blend uniformity v1 (#{first.pk})" in html
    assert "supersedes_id" not in html
    assert "<th>supersedes</th>" in html
    # A long value folds open instead of being cut.
    assert '<details class="long-value">' in html
    assert "x" * 400 in html
    # Each record links to its history.
    assert f'href="/audit/records/testapp_specimen/{first.pk}/"' in html


def test_filter_errors_name_the_field_by_its_label(scene: dict[str, Any]) -> None:
    html = scene["client"].get("/audit/", {"start": "yesterday"}).content.decode()
    assert "<strong>From (UTC time)</strong>" in html


def test_times_show_the_site_zone_with_utc_beside(scene: dict[str, Any], settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Zurich"
    signature = scene["signature"]
    html = scene["client"].get(f"/audit/records/testapp_specimen/{scene['first'].pk}/")
    text = html.content.decode()
    local = signature.signed_at.astimezone(ZoneInfo("Europe/Zurich"))
    utc = signature.signed_at.astimezone(UTC)
    assert f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}" in text
    # UTC beside it: its time, with its date too when the two fall on different days (this
    # test ran past midnight in Zurich once: 23:14 UTC is 00:14 the next day there).
    utc_text = f"{utc:%H:%M:%S}" if local.date() == utc.date() else f"{utc:%Y-%m-%d %H:%M:%S}"
    assert f"({utc_text} UTC)" in text
    assert "Times in Europe/Zurich, UTC beside." in text
    page = scene["client"].get("/audit/", {"start": "yesterday"}).content.decode()
    assert "<strong>From (Europe/Zurich time)</strong>" in page


def test_filtering_to_a_record_shows_the_signatures_applied_to_it(
    scene: dict[str, Any],
) -> None:
    first, signature = scene["first"], scene["signature"]
    html = (
        scene["client"]
        .get("/audit/", {"model": "Specimen", "object_id": str(first.pk)})
        .content.decode()
    )
    assert "2 events" in html  # its insert and the signature on it
    assert "results reviewed" in html
    # The signature's own number is not mistaken for a record of that number.
    other = (
        scene["client"]
        .get("/audit/", {"model": "Specimen", "object_id": str(signature.pk + 1000)})
        .content.decode()
    )
    assert "0 events" in other


def test_the_tag_browser_links_each_tag_to_its_history(make_user: Any) -> None:
    from historian.services import tag_create

    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    tag = tag_create(
        actor=engineer,
        name="L9.TEST.FLOW",
        description="flow",
        unit="kg/h",
        equipment="L9/TEST",
        value_type="float",
        classification="CPP",
    )
    client = Client()
    client.force_login(make_user(R.QA_REVIEWER, username="qa"))
    html = client.get("/historian/").content.decode()
    link = f'href="/audit/records/historian_tag/{tag.pk}/"'
    assert link in html
    history = client.get(f"/audit/records/historian_tag/{tag.pk}/").content.decode()
    assert "L9.TEST.FLOW" in history
    assert "Tag" in history
