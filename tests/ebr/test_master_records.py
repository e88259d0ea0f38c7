"""Master batch records: server-numbered versions, drafts edited until submitted, QA's signed
approval (never by anyone who wrote the version) and release for use, which retires the
version before; an approved version never changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from accounts import roles as R
from audit.context import audit_context
from audit.signing import SignatureFailed, SignatureRequest
from ebr import services
from ebr.models import MasterRecord
from tests.conftest import PASSWORD
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/ebr/master-records/"
BODY: dict[str, Any] = {
    "code": "DC-TAB-10",
    "product": "Tablet 10 mg",
    "title": "Direct compression, 10 mg",
    "line": "L9",
    "batch_definition": "time",
    "steps": [
        {
            "code": "S10",
            "title": "Line clearance",
            "instruction": "Check the room and the line are clear of the previous product.",
            "fields": [{"name": "room_clean", "type": "bool", "required": True}],
            "required_signatures": ["performed", "verified"],
        },
        {
            "code": "S20",
            "title": "Start-up checks",
            "operation": "Compression",
            "after": ["S10"],
            "fields": [
                {
                    "name": "press_speed",
                    "type": "number",
                    "unit": "rpm",
                    "low": 40,
                    "alert_low": 45,
                    "alert_high": 55,
                    "high": 60,
                },
                {"name": "api_lot", "type": "lot"},
                {"name": "tooling", "type": "choice", "choices": ["A", "B"]},
            ],
            "required_signatures": ["performed"],
        },
    ],
    "parameter_specs": [{"tag": "L9.PRESS.WEIGHT", "low": 245, "high": 255}],
    "lims_tests": [{"test": "assay", "unit": "%", "low": 95.0, "high": 105.0}],
}


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def sign(username: str, meaning: str) -> dict[str, str]:
    return {"username": username, "password": PASSWORD, "meaning": meaning, "reason": "ok"}


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    TagFactory(actor=engineer, name="L9.PRESS.WEIGHT", equipment="L9/PRESS", unit="mg")
    TagFactory(actor=engineer, name="L9.OUTLET.MASSFLOW", equipment="L9/OUTLET", unit="kg/h")
    services.line_create(actor=engineer, code="L9", name="Line 9")
    return {"engineer": engineer, "qa": make_user(R.QA_REVIEWER, username="quinn")}


def move(client: APIClient, version: int, status: str, **extra: Any) -> Any:
    return client.post(
        f"{URL}DC-TAB-10/{version}/transition/",
        {"status": status, "reason": f"to {status}", **extra},
        format="json",
    )


def test_a_version_goes_from_draft_to_effective_and_the_next_retires_it(
    people: dict[str, Any],
) -> None:
    eli, qa = client_of(people["engineer"]), client_of(people["qa"])
    created = eli.post(URL, BODY, format="json")
    assert created.status_code == 201, created.json()
    v1 = created.json()
    assert (v1["version"], v1["status"], v1["author"], v1["late_after"]) == (
        1,
        "draft",
        "eli",
        "30m",
    )
    assert v1["steps"][1]["fields"][0]["alert_high"] == 55
    edited = eli.patch(
        f"{URL}DC-TAB-10/1/", {"title": "DC 10 mg", "reason": "title"}, format="json"
    )
    assert edited.json()["title"] == "DC 10 mg"
    assert eli.patch(f"{URL}DC-TAB-10/1/", {"title": "x"}, format="json").status_code == 400
    assert move(eli, 1, "in_review").json()["status"] == "in_review"
    assert move(qa, 1, "draft").json()["status"] == "draft"  # returned for changes
    move(eli, 1, "in_review")
    # The author cannot approve (nor may a process engineer sign for QA).
    refused = move(eli, 1, "approved", signature=sign("eli", "approved"))
    assert refused.status_code == 403
    assert refused.json()["error"] == "signature_failed"
    approved = move(qa, 1, "approved", signature=sign("quinn", "approved"))
    assert approved.status_code == 200, approved.json()
    assert [s["meaning"] for s in approved.json()["signatures"]] == ["approved"]
    # An approved version never changes.
    locked = eli.patch(f"{URL}DC-TAB-10/1/", {"title": "late", "reason": "x"}, format="json")
    assert locked.status_code == 409
    assert locked.json()["current_status"] == "approved"
    effective = move(qa, 1, "effective", signature=sign("quinn", "released"))
    assert effective.json()["status"] == "effective"
    assert [s["meaning"] for s in effective.json()["signatures"]] == ["approved", "released"]
    # The next version is a draft copied from the latest; only one unfinished at a time.
    v2 = eli.post(URL, {"code": "DC-TAB-10", "late_after": "45m"}, format="json")
    assert v2.status_code == 201, v2.json()
    assert (v2.json()["version"], v2.json()["status"], v2.json()["late_after"]) == (
        2,
        "draft",
        "45m",
    )
    assert v2.json()["steps"] == v1["steps"]
    assert eli.post(URL, {"code": "DC-TAB-10"}, format="json").status_code == 409
    move(eli, 2, "in_review")
    move(qa, 2, "approved", signature=sign("quinn", "approved"))
    move(qa, 2, "effective", signature=sign("quinn", "released"))
    statuses = {
        r["version"]: r["status"] for r in eli.get(URL, {"code": "DC-TAB-10"}).json()["results"]
    }
    assert statuses == {1: "retired", 2: "effective"}
    # An illegal move says where the version stands and where it may go.
    illegal = move(qa, 1, "effective", signature=sign("quinn", "released"))
    assert illegal.status_code == 409
    assert (illegal.json()["current_status"], illegal.json()["allowed_statuses"]) == ("retired", [])


def test_nobody_who_wrote_a_version_approves_it(people: dict[str, Any]) -> None:
    qa = people["qa"]
    record = services.master_create(actor=people["engineer"], **BODY)
    services.master_update(actor=qa, record=record, reason="typo", title="Typo fixed by QA")
    services.master_transition(
        actor=people["engineer"], record=record, status="in_review", reason="go"
    )
    record.refresh_from_db()
    with pytest.raises(SignatureFailed, match="never approves"):
        services.master_transition(
            actor=qa, record=record, status="approved", reason="ok",
            signature=SignatureRequest(username="quinn", password=PASSWORD, meaning="approved",
                                       reason="ok"),
        )  # fmt: skip
    assert MasterRecord.objects.get().status == "in_review"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"steps": []}, "steps"),
        ({"steps": [{"code": "S1", "title": "a"}, {"code": "S1", "title": "b"}]}, "steps[1].code"),
        ({"steps": [{"code": "S1", "title": "a", "after": ["S2"]}, {"code": "S2", "title": "b"}]},
         "steps[0].after"),
        ({"steps": [{"code": "S1", "title": "a", "fields": [
            {"name": "v", "type": "number", "low": 5, "high": 1}]}]}, "steps[0].fields[0].high"),
        ({"steps": [{"code": "S1", "title": "a", "fields": [{"name": "v", "type": "colour"}]}]},
         "steps[0].fields[0].type"),
        ({"steps": [{"code": "S1", "title": "a", "fields": [{"name": "v", "type": "choice"}]}]},
         "steps[0].fields[0].choices"),
        ({"steps": [{"code": "S1", "title": "a", "required_signatures": ["verified"]}]},
         "steps[0].required_signatures"),
        ({"parameter_specs": [{"tag": "L8.OTHER", "low": 1}]}, "parameter_specs[0].tag"),
        ({"lims_tests": [{"test": "assay", "low": 105, "high": 95}]}, "lims_tests[0].high"),
        ({"late_after": "soon"}, "late_after"),
        ({"line": "L0"}, "line"),
        ({"batch_definition": "quantity"}, "batch_definition"),
    ],
)  # fmt: skip
def test_a_bad_definition_names_each_problem_by_its_path(
    people: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    response = client_of(people["engineer"]).post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert not MasterRecord.objects.exists()


def test_the_database_guards_an_approved_definition(people: dict[str, Any]) -> None:
    eli, qa = client_of(people["engineer"]), client_of(people["qa"])
    eli.post(URL, BODY, format="json")
    move(eli, 1, "in_review")
    move(qa, 1, "approved", signature=sign("quinn", "approved"))
    with (
        pytest.raises(DatabaseError, match="is signed"),
        transaction.atomic(),
        audit_context(actor=people["qa"], reason="tamper"),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE ebr_master_record SET steps = '[]'::jsonb")
    assert MasterRecord.objects.get().steps == eli.get(f"{URL}DC-TAB-10/1/").json()["steps"]
