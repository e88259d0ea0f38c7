"""Signing through the API: the `signature` body, 403 `signature_failed`, and what a
refused request still records."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from accounts.models import LoginThrottle
from audit.context import audit_context
from audit.models import AuditEvent, Signature
from tests.conftest import PASSWORD
from tests.testapp.models import Specimen

pytestmark = pytest.mark.django_db


@pytest.fixture
def specimen(make_user: Any) -> Specimen:
    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    with audit_context(actor=engineer, reason=""):
        return Specimen.objects.create(name="assay", value=99.0)


def body(password: str = PASSWORD, username: str = "quinn", meaning: str = "approved") -> dict:
    return {
        "note": "ok",
        "signature": {
            "username": username,
            "password": password,
            "meaning": meaning,
            "reason": "within specification",
        },
    }


def test_a_service_account_relays_a_persons_signature(
    specimen: Specimen, make_user: Any, make_service_account: Any
) -> None:
    make_user(R.QA_REVIEWER, username="quinn")
    _, key = make_service_account("mes")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(f"/api/test/specimens/{specimen.pk}/approve/", body(), format="json")
    assert response.status_code == 201, response.json()
    signature = Signature.objects.get(pk=response.json()["signature"])
    assert signature.signer_username == "quinn"  # never the token's service account
    event = AuditEvent.objects.get(
        table_name="testapp_specimen", action="insert", record_pk=str(response.json()["id"])
    )
    # Acting for a person (API.md): the signed action is the signer's; the chain records the
    # channel (the integration account) beside it, under the same request id.
    assert event.actor_username == "quinn"
    carried = AuditEvent.objects.get(changes__event="signature_carried")
    assert (carried.actor_username, carried.record_pk, carried.changes["via"]) == (
        "mes", "quinn", "mes"
    )  # fmt: skip
    assert carried.request_id == event.request_id


def test_a_failed_signing_is_403_stores_nothing_and_still_counts(
    specimen: Specimen, make_user: Any, make_service_account: Any
) -> None:
    make_user(R.QA_REVIEWER, username="quinn")
    _, key = make_service_account("mes")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    before = Specimen.objects.count()
    response = client.post(
        f"/api/test/specimens/{specimen.pk}/approve/",
        body(password="not the password"),
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "signature_failed"
    assert Specimen.objects.count() == before  # the whole request rolled back
    assert LoginThrottle.objects.get(user__username="quinn").failed_count == 1
    assert AuditEvent.objects.filter(changes__event="signing_failed", record_pk="quinn").exists()


def test_the_signature_body_is_validated(specimen: Specimen, make_user: Any) -> None:
    qa = make_user(R.QA_REVIEWER, username="quinn")
    client = APIClient()
    client.force_login(qa)
    response = client.post(
        f"/api/test/specimens/{specimen.pk}/approve/", body(meaning="reviewed"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "meaning" in str(response.json()["fields"])
    response = client.post(
        f"/api/test/specimens/{specimen.pk}/approve/", {"signature": "yes"}, format="json"
    )
    assert response.status_code == 400


def test_in_a_browser_session_the_second_signing_needs_the_password_only(
    specimen: Specimen, make_user: Any
) -> None:
    qa = make_user(R.QA_REVIEWER, username="quinn")
    client = APIClient()
    client.force_login(qa)
    no_username = body(username="")
    first = client.post(f"/api/test/specimens/{specimen.pk}/approve/", no_username, format="json")
    assert first.status_code == 403
    assert (
        client.post(
            f"/api/test/specimens/{specimen.pk}/approve/", body(), format="json"
        ).status_code
        == 201
    )
    again = client.post(f"/api/test/specimens/{specimen.pk}/approve/", no_username, format="json")
    assert again.status_code == 201
