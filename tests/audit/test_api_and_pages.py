"""The audit trail over the API and in the UI: filters, exports, reviews, verification."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from unittest.mock import patch

import pytest
from django.test import Client
from procrastinate.contrib.django import app as procrastinate_app
from rest_framework.test import APIClient

from accounts import roles as R
from audit.context import audit_context
from audit.models import AuditEvent, AuditReview, Signature, VerificationRun
from audit.services import create_checkpoint
from tests.conftest import PASSWORD
from tests.dbadmin import tamper
from tests.testapp.models import Specimen


def run_worker() -> None:
    """Process the queued jobs with the real worker on the real queue, then return. Without
    the periodic tasks: the worker would otherwise defer the latest scheduled checkpoint as
    it starts, and whether that ran before it stopped was a race (a test expecting no
    checkpoint failed once in CI)."""
    periodic = procrastinate_app.periodic_registry.periodic_tasks
    with (
        patch.dict(periodic, clear=True),
        procrastinate_app.replace_connector(procrastinate_app.connector.get_worker_connector()),
    ):
        procrastinate_app.run_worker(queues=["audit"], wait=False, install_signal_handlers=False)


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "auditor": make_user(R.AUDITOR, username="avery"),
        "qa": make_user(R.QA_REVIEWER, username="quinn"),
        "engineer": make_user(R.PROCESS_ENGINEER, username="eli"),
    }


@pytest.fixture
def data(people: dict[str, Any]) -> list[Specimen]:
    with audit_context(actor=people["engineer"], reason=""):
        made = [Specimen.objects.create(name=f"s{i}", value=i) for i in range(3)]
    with audit_context(actor=people["engineer"], reason="re-weighed"):
        Specimen.objects.filter(pk=made[0].pk).update(value=10)
    return made


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_events_api_filters_and_paginates(people: dict[str, Any], data: list[Specimen]) -> None:
    client = api(people["auditor"])
    body = client.get("/api/v1/audit/events/", {"model": "testapp.specimen"}).json()
    assert [e["action"] for e in body["results"]] == ["insert"] * 3 + ["update"]
    update = body["results"][-1]
    assert update["changes"] == {"value": [0.0, 10.0]}
    assert update["reason"] == "re-weighed"
    assert update["actor"]["username"] == "eli"
    assert update["occurred_at"].endswith("Z")
    assert len(update["occurred_at"]) == 27
    one = client.get(
        "/api/v1/audit/events/", {"model": "testapp_specimen", "object_id": str(data[0].pk)}
    ).json()
    assert len(one["results"]) == 2
    mine = client.get("/api/v1/audit/events/", {"user": "eli", "page_size": 2}).json()
    assert len(mine["results"]) == 2
    assert mine["next"]
    rest = client.get(mine["next"]).json()
    assert rest["results"][0]["seq"] > mine["results"][-1]["seq"]
    empty = client.get("/api/v1/audit/events/", {"start": "2999-01-01T00:00:00Z"}).json()
    assert empty["results"] == []


@pytest.mark.django_db(transaction=True)
def test_verification_runs_in_the_background(people: dict[str, Any], data: Any) -> None:
    client = api(people["auditor"])
    assert client.get("/api/v1/audit/verify/").status_code == 404
    queued = client.post("/api/v1/audit/verify/")
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"
    assert client.get("/api/v1/audit/verify/").status_code == 404  # queued, none finished
    run_worker()
    latest = client.get("/api/v1/audit/verify/").json()
    head = AuditEvent.objects.filter(action="security").order_by("-seq").first()
    assert latest["ok"] is True
    assert latest["first_bad"] is None
    assert latest["events"] >= 10
    assert len(latest["head"]) == 64
    assert latest["verified_at"].endswith("Z")
    assert head is not None
    # No checkpoint yet, so nothing witnessed: the result says it is not anchored.
    assert latest["anchored"] is False
    assert latest["anchoring"].startswith("not anchored: no witness journal")
    create_checkpoint()
    client.post("/api/v1/audit/verify/")
    run_worker()
    latest = client.get("/api/v1/audit/verify/").json()
    assert latest["ok"] is True
    assert latest["anchored"] is True
    assert latest["anchoring"].startswith("anchored: ")


@pytest.mark.django_db(transaction=True)
def test_a_failed_verification_raises_the_alert(people: dict[str, Any], data: Any) -> None:
    tamper(
        [f"UPDATE testapp_specimen SET value = -1 WHERE id = {data[1].pk}"], ["testapp_specimen"]
    )
    client = api(people["qa"])
    client.post("/api/v1/audit/verify/")
    run_worker()
    latest = client.get("/api/v1/audit/verify/").json()
    assert latest["ok"] is False
    assert latest["first_bad"] > 0
    assert AuditEvent.objects.filter(changes__event="verification_failed").exists()
    page = Client()
    page.force_login(people["auditor"])
    html = page.get("/").content.decode()
    assert 'data-testid="integrity-alert"' in html


@pytest.mark.django_db
def test_trail_page_filters_and_shows_old_and_new(people: dict[str, Any], data: Any) -> None:
    client = Client()
    client.force_login(people["auditor"])
    html = client.get("/audit/", {"model": "testapp.specimen", "action": "update"}).content.decode()
    assert "re-weighed" in html
    assert '<td class="old">0</td>' in html
    assert '<td class="new">10</td>' in html
    assert "1 event" in html


@pytest.mark.django_db
def test_exports_follow_the_filter_and_are_recorded(people: dict[str, Any], data: Any) -> None:
    client = Client()
    client.force_login(people["auditor"])
    response = client.get("/audit/export.csv", {"model": "testapp.specimen"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["action"] for r in rows] == ["insert"] * 3 + ["update"]
    assert json.loads(rows[-1]["changes"]) == {"value": [0.0, 10.0]}
    response = client.get("/audit/export.jsonl", {"user": "eli"})
    header, *lines = [
        json.loads(x) for x in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert header["format"] == "ledgerline-audit-extract"
    assert header["verifiable"] is False
    assert header["filters"] == {"user": "eli"}
    assert header["events"] == len(lines) == 4
    assert {x["actor"]["username"] for x in lines} == {"eli"}
    exports = AuditEvent.objects.filter(changes__event="audit_trail_exported")
    assert [e.record_pk for e in exports.order_by("seq")] == ["csv", "jsonl"]
    assert exports.order_by("seq").last().changes["filters"] == {"user": "eli"}


@pytest.mark.django_db
def test_a_qa_review_is_recorded_and_signed(people: dict[str, Any], data: Any) -> None:
    client = Client()
    client.force_login(people["qa"])
    first = AuditEvent.objects.order_by("seq").first()
    last = AuditEvent.objects.order_by("-seq").first()
    assert first is not None
    assert last is not None
    response = client.post(
        "/audit/review/",
        {
            "from_seq": first.seq,
            "to_seq": last.seq,
            "model": "testapp.specimen",
            "note": "no anomalies",
            "sig_username": "quinn",
            "sig_password": PASSWORD,
            "sig_meaning": "reviewed",
            "sig_reason": "weekly review",
        },
    )
    assert response.status_code == 302
    review = AuditReview.objects.get()
    assert review.filters == {"model": "testapp.specimen"}
    assert review.event_count == 4
    signature = Signature.objects.get(record_table="audit_review")
    assert signature.meaning == "reviewed"
    page = client.get("/audit/").content.decode()
    assert "Quinn" in page
    assert 'data-testid="signature-manifestation"' in page


@pytest.mark.django_db
def test_a_wrong_signing_password_stores_no_review(people: dict[str, Any], data: Any) -> None:
    client = Client()
    client.force_login(people["qa"])
    response = client.post(
        "/audit/review/",
        {
            "from_seq": 1,
            "to_seq": 5,
            "sig_username": "quinn",
            "sig_password": "wrong password!",
            "sig_meaning": "reviewed",
            "sig_reason": "weekly review",
        },
    )
    assert response.status_code == 302
    assert not AuditReview.objects.exists()
    assert AuditEvent.objects.filter(changes__event="signing_failed", record_pk="quinn").exists()


@pytest.mark.django_db
def test_an_auditor_records_a_review_without_signing(people: dict[str, Any], data: Any) -> None:
    client = Client()
    client.force_login(people["auditor"])
    client.post("/audit/review/", {"from_seq": 1, "to_seq": 3})
    review = AuditReview.objects.get()
    assert review.reviewer == people["auditor"]
    assert not Signature.objects.exists()
    assert AuditEvent.objects.filter(table_name="audit_review", action="insert").exists()


@pytest.mark.django_db
def test_verification_page_starts_a_run(people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["auditor"])
    response = client.post("/audit/verification/start/")
    assert response.status_code == 302
    assert VerificationRun.objects.get().status == "queued"
    html = client.get("/audit/verification/").content.decode()
    assert 'data-testid="verification-running"' in html
    assert "BEGIN PUBLIC KEY" in html
