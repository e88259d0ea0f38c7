"""Lines (the equipment node they name, an outlet mass-flow tag) and material lots
(quarantine → released | rejected by a QA signature, expiry, usable only when released)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from accounts import roles as R
from audit.context import audit_context
from audit.models import AuditEvent, Signature
from ebr.errors import LotNotUsable
from ebr.models import MaterialLot
from ebr.services import lot_check_usable
from tests.conftest import PASSWORD
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db

LOTS = "/api/v1/ebr/lots/"


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def signature(username: str, meaning: str, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password, "meaning": meaning, "reason": "COA ok"}


@pytest.fixture
def engineer(make_user: Any) -> Any:
    return make_user(R.PROCESS_ENGINEER, username="eli")


@pytest.fixture
def line_tags(engineer: Any) -> None:
    TagFactory(actor=engineer, name="L9.OUTLET.MASSFLOW", equipment="L9/OUTLET", unit="kg/h")
    TagFactory(actor=engineer, name="L9.FEEDER1.MASSFLOW", equipment="L9/FEEDER1", unit="kg/h")
    TagFactory(actor=engineer, name="L9.PRESS.FORCE", equipment="L9/PRESS", unit="kN")
    TagFactory(actor=engineer, name="L8.OUTLET.MASSFLOW", equipment="L8/OUTLET", unit="kg/h")


def test_a_line_is_the_equipment_node_it_names(engineer: Any, line_tags: None) -> None:
    client = client_of(engineer)
    body = {"code": "L9", "name": "Line 9", "outlet_tag": "L9.OUTLET.MASSFLOW"}
    created = client.post("/api/v1/ebr/lines/", body, format="json")
    assert created.status_code == 201, created.json()
    line = created.json()
    assert (line["equipment"], line["outlet_tag"]) == ("L9", "L9.OUTLET.MASSFLOW")
    assert line["feeders"] == ["FEEDER1", "OUTLET", "PRESS"]
    assert line["tags"] == ["L9.FEEDER1.MASSFLOW", "L9.OUTLET.MASSFLOW", "L9.PRESS.FORCE"]
    assert client.get("/api/v1/ebr/lines/L9/").json()["tags"] == line["tags"]
    assert [x["code"] for x in client.get("/api/v1/ebr/lines/").json()["results"]] == ["L9"]
    event = AuditEvent.objects.get(table_name="ebr_line")
    assert (event.action, event.actor_username) == ("insert", "eli")
    # A new line on a new node: the node is made.
    assert (
        client.post("/api/v1/ebr/lines/", {"code": "L7", "name": "Seven"}, format="json").json()[
            "equipment"
        ]
        == "L7"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "L9", "name": "x", "outlet_tag": "NOPE"}, "outlet_tag"),
        ({"code": "L9", "name": "x", "outlet_tag": "L8.OUTLET.MASSFLOW"}, "outlet_tag"),
        ({"code": "L9", "name": "x", "outlet_tag": "L9.PRESS.FORCE"}, "outlet_tag"),
        ({"code": "L 9!", "name": "x", "equipment": "L9"}, "code"),
        ({"code": "L9", "name": " "}, "name"),
    ],
)
def test_a_bad_line_says_what_to_fix_and_stores_nothing(
    engineer: Any, line_tags: None, body: dict[str, str], field: str
) -> None:
    response = client_of(engineer).post("/api/v1/ebr/lines/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not AuditEvent.objects.filter(table_name="ebr_line").exists()


def test_one_line_per_code_and_per_node(engineer: Any, line_tags: None) -> None:
    client = client_of(engineer)
    assert (
        client.post("/api/v1/ebr/lines/", {"code": "L9", "name": "9"}, format="json").status_code
        == 201
    )
    again = client.post("/api/v1/ebr/lines/", {"code": "L9", "name": "9"}, format="json")
    assert again.json()["fields"] == {"code": "taken"}
    other = client.post(
        "/api/v1/ebr/lines/", {"code": "NINE", "name": "9", "equipment": "L9"}, format="json"
    )
    assert other.json()["fields"] == {"equipment": "taken"}


@pytest.fixture
def supervisor(make_user: Any) -> APIClient:
    return client_of(make_user(R.SUPERVISOR, username="sam"))


@pytest.fixture
def qa(make_user: Any) -> Any:
    return make_user(R.QA_REVIEWER, username="quinn")


def receive(client: APIClient, lot: str = "X-001", **extra: Any) -> Any:
    body = {
        "material": "API-X", "lot": lot, "supplier": "Acme", "supplier_lot": "A77",
        "quantity": 25.0, "unit": "kg", "expires_at": "2027-06-30T00:00:00Z", **extra,
    }  # fmt: skip
    return client.post(LOTS, body, format="json")


def test_a_lot_arrives_in_quarantine_and_qa_releases_it_by_signature(
    supervisor: APIClient, qa: Any
) -> None:
    created = receive(supervisor)
    assert created.status_code == 201, created.json()
    assert (created.json()["status"], created.json()["disposition"]) == ("quarantine", None)
    url = f"{LOTS}API-X/X-001/disposition/"
    reviewer = client_of(qa)
    wrong_meaning = reviewer.post(
        url, {"decision": "release", "signature": signature("quinn", "rejected")}, format="json"
    )
    assert wrong_meaning.status_code == 400
    bad_password = reviewer.post(
        url, {"decision": "release", "signature": signature("quinn", "released", "nope")},
        format="json",
    )  # fmt: skip
    assert bad_password.status_code == 403
    assert bad_password.json()["error"] == "signature_failed"
    assert MaterialLot.objects.get().status == "quarantine"
    released = reviewer.post(
        url, {"decision": "release", "signature": signature("quinn", "released")}, format="json"
    )
    assert released.status_code == 200, released.json()
    body = released.json()
    assert body["status"] == "released"
    assert body["disposition"]["signed_by"] == "quinn"
    assert body["disposition"]["meaning"] == "released"
    assert Signature.objects.get(record_table="ebr_material_lot").meaning == "released"
    # QA decides once.
    again = reviewer.post(
        url, {"decision": "reject", "signature": signature("quinn", "rejected")}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["current_status"] == "released"
    assert again.json()["allowed_statuses"] == []
    listed = supervisor.get(LOTS, {"status": "released"}).json()["results"]
    assert [lot["lot"] for lot in listed] == ["X-001"]
    assert supervisor.get(LOTS, {"status": "quarantine"}).json()["results"] == []


def test_an_mes_carries_a_qa_signature_and_the_signer_is_the_actor(
    qa: Any, make_user: Any, make_service_account: Any
) -> None:
    _, key = make_service_account("mes-1")
    mes = APIClient()
    mes.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert receive(mes, lot="X-002").status_code == 201
    make_user(R.SUPERVISOR, username="sue")
    url = f"{LOTS}API-X/X-002/disposition/"
    # A supervisor's signature does not release a lot, through the MES or not.
    refused = mes.post(
        url, {"decision": "reject", "signature": signature("sue", "rejected")}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "signature_failed"
    done = mes.post(
        url, {"decision": "reject", "signature": signature("quinn", "rejected")}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "rejected"
    update = AuditEvent.objects.get(table_name="ebr_material_lot", action="update")
    assert update.actor_username == "quinn"
    carried = AuditEvent.objects.get(table_name="security", changes__event="signature_carried")
    assert (carried.actor_username, carried.record_pk, carried.changes["via"]) == (
        "mes-1", "quinn", "mes-1"
    )  # fmt: skip
    assert carried.request_id == update.request_id


def test_bad_lots_say_what_to_fix(supervisor: APIClient) -> None:
    assert receive(supervisor).status_code == 201
    assert receive(supervisor).json()["fields"] == {"lot": "taken for this material"}
    assert "expires_at" in receive(supervisor, lot="X-9", expires_at="2027-06-30").json()["fields"]
    assert "quantity" in receive(supervisor, lot="X-9", quantity=-1).json()["fields"]
    assert MaterialLot.objects.count() == 1


def test_only_a_released_unexpired_lot_is_usable(supervisor: APIClient, qa: Any) -> None:
    receive(supervisor, lot="X-1", expires_at="2026-05-01T00:00:00Z")
    lot = MaterialLot.objects.get(lot="X-1")
    at = datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(LotNotUsable, match="quarantine"):
        lot_check_usable(lot, at)
    client_of(qa).post(
        f"{LOTS}API-X/X-1/disposition/",
        {"decision": "release", "signature": signature("quinn", "released")},
        format="json",
    )
    lot.refresh_from_db()
    lot_check_usable(lot, at)
    with pytest.raises(LotNotUsable, match="expired"):
        lot_check_usable(lot, datetime(2026, 5, 1, tzinfo=UTC))


def test_the_database_guards_a_signed_lot(supervisor: APIClient, qa: Any) -> None:
    receive(supervisor)
    client_of(qa).post(
        f"{LOTS}API-X/X-001/disposition/",
        {"decision": "release", "signature": signature("quinn", "released")},
        format="json",
    )
    # With an actor and a reason, as a real edit would come: the guard itself refuses.
    for statement, refusal in (
        ("UPDATE ebr_material_lot SET status = 'quarantine'", "is signed"),
        ("UPDATE ebr_material_lot SET expires_at = now() + interval '10 years'", "is signed"),
        ("DELETE FROM ebr_material_lot", "is signed|never deleted"),
    ):
        with (
            pytest.raises(DatabaseError, match=refusal),
            transaction.atomic(),
            audit_context(actor=qa, reason="tamper"),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert MaterialLot.objects.get().status == "released"
