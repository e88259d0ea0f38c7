"""Continuous batches: windows on a line under the effective master record version, never
overlapping (refused by the database itself), time- or quantity-defined (a quantity batch
closes itself when its planned mass has left the line), with their status machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from accounts import roles as R
from audit.context import audit_context
from audit.signing import SignatureRequest
from ebr import services
from ebr.models import Batch, MasterRecord
from historian.ingest import ingest_samples
from tests.conftest import PASSWORD
from tests.ebr.test_master_records import BODY
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/ebr/batches/"
T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def effective(record: MasterRecord, engineer: Any, qa: Any) -> MasterRecord:
    services.master_transition(actor=engineer, record=record, status="in_review", reason="go")
    for status, meaning in (("approved", "approved"), ("effective", "released")):
        record.refresh_from_db()
        services.master_transition(
            actor=qa, record=record, status=status, reason="ok",
            signature=SignatureRequest(username="quinn", password=PASSWORD, meaning=meaning,
                                       reason="ok"),
        )  # fmt: skip
    record.refresh_from_db()
    return record


@pytest.fixture
def plant(make_user: Any) -> dict[str, Any]:
    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    qa = make_user(R.QA_REVIEWER, username="quinn")
    TagFactory(actor=engineer, name="L9.PRESS.WEIGHT", equipment="L9/PRESS", unit="mg")
    TagFactory(actor=engineer, name="L9.OUTLET.MASSFLOW", equipment="L9/OUTLET", unit="kg/h")
    services.line_create(actor=engineer, code="L9", name="Line 9", outlet_tag="L9.OUTLET.MASSFLOW")
    services.line_create(actor=engineer, code="L8", name="Line 8")
    time_record = effective(services.master_create(actor=engineer, **BODY), engineer, qa)
    quantity = {**BODY, "code": "DC-TAB-Q", "batch_definition": "quantity"}
    quantity_record = effective(services.master_create(actor=engineer, **quantity), engineer, qa)
    supervisor = make_user(R.SUPERVISOR, username="sam")
    client = APIClient()
    client.force_login(supervisor)
    return {"engineer": engineer, "qa": qa, "client": client, "time": time_record,
            "quantity": quantity_record}  # fmt: skip


def plan(
    client: APIClient, number: str, start: datetime, end: datetime | None, **extra: Any
) -> Any:
    body = {"batch_number": number, "master_record": "DC-TAB-10", "line": "L9",
            "start": iso(start), **({"end": iso(end)} if end else {}), **extra}  # fmt: skip
    return client.post(URL, body, format="json")


def test_windows_on_a_line_never_overlap(plant: dict[str, Any]) -> None:
    client = plant["client"]
    first = plan(client, "B-001", T0, T0 + timedelta(hours=8))
    assert first.status_code == 201, first.json()
    assert (first.json()["status"], first.json()["version"]) == ("planned", 1)
    assert first.json()["master"]["steps"][0]["code"] == "S10"
    # Touching is not overlapping ([start, end)); one second into it is.
    assert (
        plan(client, "B-002", T0 + timedelta(hours=8), T0 + timedelta(hours=16)).status_code == 201
    )
    clash = plan(client, "B-003", T0 + timedelta(hours=15), T0 + timedelta(hours=20))
    assert clash.status_code == 409
    assert clash.json()["items"][0]["ref"] == "B-002"
    # A cancelled batch frees its window.
    cancel = {"status": "cancelled", "reason": "plan changed"}
    moved = client.post(f"{URL}B-002/transition/", cancel, format="json")
    assert moved.json()["status"] == "cancelled"
    assert (
        plan(client, "B-003", T0 + timedelta(hours=15), T0 + timedelta(hours=20)).status_code == 201
    )
    # Moving an end into the next window is refused too.
    late = client.patch(f"{URL}B-001/", {"end": iso(T0 + timedelta(hours=16)), "reason": "longer"},
                        format="json")  # fmt: skip
    assert late.status_code == 409
    assert Batch.objects.get(batch_number="B-001").end == T0 + timedelta(hours=8)


def test_the_database_itself_refuses_an_overlapping_window(plant: dict[str, Any]) -> None:
    plan(plant["client"], "B-001", T0, T0 + timedelta(hours=8))
    batch = Batch.objects.get()
    with (
        pytest.raises(IntegrityError, match="ebr_batch_windows_do_not_overlap"),
        transaction.atomic(),
        audit_context(actor=plant["engineer"], reason="raw insert"),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            """INSERT INTO ebr_batch (batch_number, line_id, master_record_id, batch_definition,
                   start, "end", unit, status)
               VALUES ('RAW-1', %s, %s, 'time', %s, %s, '', 'planned')""",
            [
                batch.line_id,
                batch.master_record_id,
                T0 + timedelta(hours=7),
                T0 + timedelta(hours=9),
            ],
        )
    assert Batch.objects.count() == 1


def test_the_master_record_version_and_line_must_fit(plant: dict[str, Any]) -> None:
    client = plant["client"]
    wrong_line = plan(client, "B-001", T0, T0 + timedelta(hours=1), line="L8")
    assert wrong_line.status_code == 422
    not_effective = plan(client, "B-001", T0, T0 + timedelta(hours=1), version=2)
    assert not_effective.status_code == 400  # no such version
    v2 = services.master_create(actor=plant["engineer"], code="DC-TAB-10")
    assert plan(client, "B-001", T0, T0 + timedelta(hours=1), version=v2.version).status_code == 409
    no_end = plan(client, "B-001", T0, None)
    assert "end" in no_end.json()["fields"]
    assert not Batch.objects.exists()


def test_a_batch_keeps_its_version_when_a_new_one_becomes_effective(plant: dict[str, Any]) -> None:
    client = plant["client"]
    plan(client, "B-001", T0, T0 + timedelta(hours=8))
    v2 = services.master_create(
        actor=plant["engineer"], code="DC-TAB-10", steps=[{"code": "X1", "title": "New step"}]
    )
    effective(v2, plant["engineer"], plant["qa"])
    kept = client.get(f"{URL}B-001/").json()
    assert (kept["version"], kept["master"]["steps"][0]["code"]) == (1, "S10")
    assert (
        plan(client, "B-002", T0 + timedelta(hours=8), T0 + timedelta(hours=9)).json()["version"]
        == 2
    )


def test_statuses_move_as_the_machine_allows(plant: dict[str, Any], make_user: Any) -> None:
    client = plant["client"]
    plan(client, "B-001", T0, T0 + timedelta(hours=8))

    def move(status: str, who: APIClient = client, **extra: Any) -> Any:
        return who.post(f"{URL}B-001/transition/", {"status": status, "reason": "r", **extra},
                        format="json")  # fmt: skip

    illegal = move("closed")
    assert illegal.status_code == 409
    assert (illegal.json()["current_status"], illegal.json()["allowed_statuses"]) == (
        "planned", ["cancelled", "in_progress"]
    )  # fmt: skip
    assert move("in_progress").json()["status"] == "in_progress"
    closed = client.post(f"{URL}B-001/close/", {"end": iso(T0 + timedelta(hours=7))}, format="json")
    assert closed.status_code == 200, closed.json()
    assert (closed.json()["status"], closed.json()["end"]) == (
        "closed",
        "2026-03-01T13:00:00.000000Z",
    )
    assert move("under_review").status_code == 403  # QA takes it into review
    qa = APIClient()
    qa.force_login(plant["qa"])
    assert move("under_review", qa).json()["status"] == "under_review"
    assert move("released", qa).status_code == 409  # QA's signed disposition does that


def test_a_quantity_batch_closes_itself_when_its_mass_has_left_the_line(
    plant: dict[str, Any], make_service_account: Any
) -> None:
    account, _ = make_service_account("collector")
    # 120 kg/h = 2 kg per minute, one sample a minute for an hour from 06:00.
    samples = [
        {"tag": "L9.OUTLET.MASSFLOW", "ts": iso(T0 + timedelta(minutes=m)), "value": 120.0}
        for m in range(61)
    ]
    assert ingest_samples(actor=account, source="t", ingest_key="q", items=samples).status == 201
    client = plant["client"]
    body = {"batch_number": "Q-001", "master_record": "DC-TAB-Q", "line": "L9",
            "start": iso(T0), "planned_quantity": 50, "unit": "kg"}  # fmt: skip
    created = client.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["end"] is None
    # The open window blocks the next batch until this one closes.
    later = {**body, "batch_number": "Q-002", "start": iso(T0 + timedelta(hours=3))}
    assert client.post(URL, later, format="json").status_code == 409
    client.post(f"{URL}Q-001/transition/", {"status": "in_progress", "reason": "go"}, format="json")
    assert services.close_filled_batches(now=T0 + timedelta(minutes=20)) == []  # 40 kg so far
    closed = services.close_filled_batches(now=T0 + timedelta(hours=1))
    assert [b.batch_number for b in closed] == ["Q-001"]
    batch = Batch.objects.get(batch_number="Q-001")
    assert batch.status == "closed"
    assert batch.end == T0 + timedelta(minutes=25)  # 50 kg at 2 kg/min
    assert batch.actual_quantity == pytest.approx(50.0)
    assert client.post(URL, later, format="json").status_code == 201
    # The window's edges are interpolated between the samples around them.
    edge = T0 + timedelta(minutes=29, seconds=30)
    assert services.outlet_mass(batch.line, T0, edge) == pytest.approx(59.0)


def test_a_ramping_flow_reaches_its_quantity_when_the_integral_says(
    plant: dict[str, Any], make_service_account: Any
) -> None:
    account, _ = make_service_account("collector")
    # 0 → 120 kg/h over an hour: 15 kg have passed after 30 minutes (a quarter of the hour's 60).
    samples = [{"tag": "L9.OUTLET.MASSFLOW", "ts": iso(T0 + timedelta(hours=h)), "value": 120.0 * h}
               for h in (0, 1)]  # fmt: skip
    assert ingest_samples(actor=account, source="t", ingest_key="r", items=samples).status == 201
    body = {"batch_number": "Q-9", "master_record": "DC-TAB-Q", "line": "L9", "start": iso(T0),
            "planned_quantity": 0.015, "unit": "t"}  # fmt: skip
    assert plant["client"].post(URL, body, format="json").status_code == 201
    started = plant["client"].post(
        f"{URL}Q-9/transition/", {"status": "in_progress", "reason": "go"}, format="json"
    )
    assert started.status_code == 200
    (closed,) = services.close_filled_batches(now=T0 + timedelta(hours=2))
    assert closed.end == T0 + timedelta(minutes=30)
    assert closed.actual_quantity == pytest.approx(0.015)


def test_closing_after_the_planned_end_keeps_that_end(plant: dict[str, Any]) -> None:
    client = plant["client"]
    plan(client, "B-001", T0, T0 + timedelta(hours=8))  # 2026: long past
    client.post(f"{URL}B-001/transition/", {"status": "in_progress", "reason": "go"}, format="json")
    closed = client.post(f"{URL}B-001/close/", {}, format="json").json()
    assert (closed["status"], closed["end"]) == ("closed", "2026-03-01T14:00:00.000000Z")
