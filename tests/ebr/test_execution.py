"""Step execution: the master record's order (a step opens when its predecessors are
complete, verified where asked), entries typed and signed performed, four eyes, corrections
that keep the original and ask for a new verification, late and out-of-limit flags (a
step_limit deviation), append-only in the database, and parallel operators and supervisors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles as R
from audit.context import audit_context
from audit.signing import SignatureRequest
from ebr import services
from ebr.models import Batch, Deviation, StepEntry
from tests.conftest import PASSWORD
from tests.ebr.test_batches import effective
from tests.factories import TagFactory
from tests.parallel import at_once

URL = "/api/v1/ebr/batches/B-1/"
STEPS = [
    {"code": "S10", "title": "Line clearance", "fields": [{"name": "line_clear", "type": "bool"}],
     "required_signatures": ["performed", "verified"]},
    {"code": "S20", "title": "Start-up",
     "fields": [{"name": "press_speed", "type": "number", "unit": "rpm", "low": 40, "high": 60},
                {"name": "api_lot", "type": "lot"}]},
    {"code": "S30", "title": "Weight checks", "repeatable": True, "after": ["S20"],
     "fields": [{"name": "weight", "type": "number", "unit": "mg", "low": 245, "high": 255}]},
]  # fmt: skip


def sign(username: str, meaning: str) -> dict[str, str]:
    return {"username": username, "password": PASSWORD, "meaning": meaning, "reason": "done"}


@pytest.fixture
def run(make_user: Any) -> dict[str, Any]:
    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    qa = make_user(R.QA_REVIEWER, username="quinn")
    TagFactory(actor=engineer, name="L9.PRESS.WEIGHT", equipment="L9/PRESS", unit="mg")
    services.line_create(actor=engineer, code="L9", name="Line 9")
    record = services.master_create(
        actor=engineer, code="MR", product="P", title="T", line="L9", steps=STEPS
    )
    effective(record, engineer, qa)
    people = {name: make_user(role, username=name) for name, role in (
        ("olga", R.OPERATOR), ("oscar", R.OPERATOR), ("sam", R.SUPERVISOR), ("sue", R.SUPERVISOR),
    )}  # fmt: skip
    now = timezone.now()
    batch = services.batch_create(
        actor=people["sam"], batch_number="B-1", master_record="MR", line="L9",
        start=(now - timedelta(hours=1)).isoformat(), end=(now + timedelta(hours=8)).isoformat(),
    )  # fmt: skip
    services.batch_transition(actor=people["sam"], batch=batch, status="in_progress", reason="go")
    lot = services.lot_create(actor=people["sam"], material="API", lot="A-1")
    clients = {}
    for name, user in people.items():
        clients[name] = APIClient()
        clients[name].force_login(user)
    return {"clients": clients, "qa": qa, "lot": lot}


def enter(client: APIClient, step: str, username: str, values: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        f"{URL}steps/{step}/entries/",
        {"values": values, "signature": sign(username, "performed"), **extra},
        format="json",
    )


def verify(client: APIClient, step: str, username: str) -> Any:
    return client.post(
        f"{URL}steps/{step}/verify/", {"signature": sign(username, "verified")}, format="json"
    )


def steps(client: APIClient) -> dict[str, Any]:
    return {s["code"]: s for s in client.get(URL).json()["steps"]}


@pytest.mark.django_db
def test_steps_open_in_order_with_four_eyes(run: dict[str, Any]) -> None:
    c = run["clients"]
    early = enter(c["olga"], "S20", "olga", {"press_speed": 50, "api_lot": "API/A-1"})
    assert early.status_code == 409
    assert "waits for S10" in early.json()["detail"]
    first = enter(c["sam"], "S10", "sam", {"line_clear": True})
    assert first.status_code == 201, first.json()
    assert first.json()["performed"][0]["signed_by"] == "sam"
    assert (
        enter(c["olga"], "S20", "olga", {"press_speed": 50, "api_lot": "API/A-1"}).status_code
        == 409
    )
    own = verify(c["sam"], "S10", "sam")  # the performer never verifies
    assert own.status_code == 403
    assert own.json()["error"] == "signature_failed"
    assert verify(c["olga"], "S10", "olga").status_code == 403  # operators do not verify
    checked = verify(c["sue"], "S10", "sue")
    assert checked.status_code == 200, checked.json()
    assert checked.json()["verified"][0]["signed_by"] == "sue"
    # S20 is open now: a quarantined lot is refused, a released one taken.
    quarantined = enter(c["olga"], "S20", "olga", {"press_speed": 50, "api_lot": "API/A-1"})
    assert "quarantine" in quarantined.json()["fields"]["values.api_lot"]
    services.lot_dispose(
        actor=run["qa"], lot=run["lot"], decision="release",
        signature=SignatureRequest(
            username="quinn", password=PASSWORD, meaning="released", reason="COA"),
    )  # fmt: skip
    fast = enter(c["olga"], "S20", "olga", {"press_speed": 70, "api_lot": "API/A-1"})
    assert fast.status_code == 201, fast.json()
    assert fast.json()["out_of_limit"] == ["press_speed"]
    deviation = Deviation.objects.get(kind="step_limit")
    assert (deviation.batch.batch_number, deviation.details["fields"]) == ("B-1", ["press_speed"])
    # A repeatable step takes many entries and is complete after the first.
    for weight in (250, 251, 249):
        assert enter(c["oscar"], "S30", "oscar", {"weight": weight}).status_code == 201
    state = steps(c["olga"])
    assert [state[k]["complete"] for k in ("S10", "S20", "S30")] == [True, True, True]
    assert len(state["S30"]["entries"]) == 3


@pytest.mark.django_db
def test_corrections_keep_the_original_and_need_a_new_verification(run: dict[str, Any]) -> None:
    c = run["clients"]
    original = enter(c["olga"], "S10", "olga", {"line_clear": False}).json()
    verify(c["sue"], "S10", "sue")
    assert steps(c["olga"])["S10"]["complete"]
    again = enter(c["olga"], "S10", "olga", {"line_clear": True})
    assert again.status_code == 409  # recorded already: correct it instead
    assert "correct entry" in again.json()["detail"]
    stranger = enter(c["oscar"], "S10", "oscar", {"line_clear": True}, corrects=original["id"],
                     reason="typo")  # fmt: skip
    assert stranger.status_code == 403  # its performer or a supervisor corrects
    no_reason = enter(c["olga"], "S10", "olga", {"line_clear": True}, corrects=original["id"])
    assert no_reason.status_code == 400
    fixed = enter(c["olga"], "S10", "olga", {"line_clear": True}, corrects=original["id"],
                  reason="wrong box ticked")  # fmt: skip
    assert fixed.status_code == 201, fixed.json()
    state = steps(c["olga"])["S10"]
    assert [e["id"] for e in state["entries"]] == [original["id"], fixed.json()["id"]]
    assert state["entries"][1]["corrects"] == original["id"]
    assert not state["complete"]  # the correction waits for its own verification
    assert verify(c["sam"], "S10", "sam").status_code == 200
    assert steps(c["olga"])["S10"]["complete"]


@pytest.mark.django_db
def test_late_entries_are_flagged(run: dict[str, Any]) -> None:
    batch = Batch.objects.get()
    with audit_context(actor=run["qa"], reason="test: the batch started an hour ago"):
        Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(hours=1))
    late = enter(run["clients"]["olga"], "S10", "olga", {"line_clear": True})
    assert late.json()["late"] is True  # late_after is 30 minutes


@pytest.mark.django_db
def test_entries_are_append_only_in_the_database(run: dict[str, Any]) -> None:
    enter(run["clients"]["olga"], "S10", "olga", {"line_clear": True})
    for statement in ("UPDATE ebr_step_entry SET values = '{}'", "DELETE FROM ebr_step_entry"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            audit_context(actor=run["qa"], reason="tamper"),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert StepEntry.objects.get().values == {"line_clear": True}


@pytest.mark.django_db(transaction=True)
def test_two_operators_on_one_step_and_two_supervisors_at_once(run: dict[str, Any]) -> None:
    c = run["clients"]
    entries = at_once([
        lambda: enter(c["olga"], "S10", "olga", {"line_clear": True}).status_code,
        lambda: enter(c["oscar"], "S10", "oscar", {"line_clear": True}).status_code,
    ])  # fmt: skip
    assert entries == [201, 409]
    checks = at_once([
        lambda: verify(c["sam"], "S10", "sam").status_code,
        lambda: verify(c["sue"], "S10", "sue").status_code,
    ])  # fmt: skip
    assert checks == [200, 409]
    assert StepEntry.objects.count() == 1
