"""Review by exception and disposition: every exception kind the batch records produce, with a
stable id; QA's signed review; every release blocker (open deviations, unsigned and unverified
steps, unreviewed exceptions) refusing the release with its items; the record read-only after
the disposition (services, API, and the database as the runtime role); findings after it still
attach, flagged; parallel dispositions and reviews."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles as R
from audit.context import audit_context
from audit.models import AuditEvent
from audit.signing import SignatureRequest
from ebr import services
from ebr.models import Batch, Deviation, ExceptionReview
from historian.models import Tag
from historian.services import correction_create
from tests.conftest import PASSWORD
from tests.ebr.test_batches import effective
from tests.factories import TagFactory
from tests.parallel import at_once

URL = "/api/v1/ebr/batches/B-1/"
STEPS = [
    {"code": "S10", "title": "Line clearance", "fields": [{"name": "line_clear", "type": "bool"}],
     "required_signatures": ["performed", "verified"]},
    {"code": "S20", "title": "Start-up",
     "fields": [{"name": "press_speed", "type": "number", "unit": "rpm", "low": 40, "high": 60}]},
]  # fmt: skip


def sign(username: str, meaning: str, reason: str = "done") -> dict[str, str]:
    return {"username": username, "password": PASSWORD, "meaning": meaning, "reason": reason}


@pytest.fixture
def run(make_user: Any) -> dict[str, Any]:
    """Batch B-1 on line L9 under MR (two steps, a CPP spec on L9.PRESS.WEIGHT), running."""
    engineer = make_user(R.PROCESS_ENGINEER, username="eli")
    qa = make_user(R.QA_REVIEWER, username="quinn")
    TagFactory(actor=engineer, name="L9.PRESS.WEIGHT", equipment="L9/PRESS", unit="mg")
    services.line_create(actor=engineer, code="L9", name="Line 9")
    record = services.master_create(
        actor=engineer, code="MR", product="P", title="T", line="L9", steps=STEPS,
        parameter_specs=[{"tag": "L9.PRESS.WEIGHT", "low": 245, "high": 255}],
    )  # fmt: skip
    effective(record, engineer, qa)
    people = {name: make_user(role, username=name) for name, role in (
        ("olga", R.OPERATOR), ("sam", R.SUPERVISOR), ("quinn2", R.QA_REVIEWER),
    )}  # fmt: skip
    people["quinn"] = qa
    now = timezone.now()
    batch = services.batch_create(
        actor=people["sam"], batch_number="B-1", master_record="MR", line="L9",
        start=(now - timedelta(hours=2)).isoformat(), end=(now + timedelta(hours=6)).isoformat(),
    )  # fmt: skip
    services.batch_transition(actor=people["sam"], batch=batch, status="in_progress", reason="go")
    clients = {}
    for name, user in people.items():
        clients[name] = APIClient()
        clients[name].force_login(user)
    return {"c": clients, "people": people}


def enter(client: APIClient, step: str, username: str, values: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        f"{URL}steps/{step}/entries/",
        {"values": values, "signature": sign(username, "performed"), **extra},
        format="json",
    )


def review(client: APIClient, exception_id: str, username: str = "quinn", **extra: Any) -> Any:
    body = {"comment": "checked: no impact on quality", "signature": sign(username, "reviewed")}
    return client.post(f"{URL}exceptions/{exception_id}/review/", {**body, **extra}, format="json")


def dispose(client: APIClient, decision: str, username: str = "quinn") -> Any:
    meaning = {"release": "released", "reject": "rejected"}[decision]
    return client.post(
        f"{URL}disposition/",
        {"decision": decision, "signature": sign(username, meaning, f"{decision}d")},
        format="json",
    )


def exceptions(client: APIClient) -> dict[str, Any]:
    response = client.get(f"{URL}exceptions/")
    assert response.status_code == 200, response.content
    return dict(response.json())


def close(run: dict[str, Any]) -> None:
    batch = Batch.objects.get(batch_number="B-1")
    services.batch_transition(actor=run["people"]["sam"], batch=batch, status="closed",
                              reason="window over")  # fmt: skip


def close_deviation(number: str, run: dict[str, Any]) -> None:
    services.deviation_transition(
        actor=run["people"]["quinn"], deviation=Deviation.objects.get(number=number),
        status="closed", reason="investigated", root_cause="set-up error", impact="none",
        capa="CAPA-1",
        signature=SignatureRequest(username="quinn", password=PASSWORD, meaning="approved",
                                   reason="investigated"),
    )  # fmt: skip


@pytest.mark.django_db
def test_every_blocker_refuses_the_release_until_resolved(run: dict[str, Any]) -> None:
    c = run["c"]
    close(run)
    # Closed with nothing recorded: both steps block, and nothing changes on a refusal.
    refused = dispose(c["quinn"], "release")
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["error"] == "conflict"
    assert {(i["kind"], i["ref"]) for i in body["items"]} == {
        ("step_unsigned", "S10"),
        ("step_unsigned", "S20"),
    }
    assert Batch.objects.get().status == "closed"
    assert {e["id"] for e in exceptions(c["quinn"])["exceptions"]} == {
        "step:S10:unsigned",
        "step:S20:unsigned",
    }
    # The record is completed after the window (late, and QA sees it): S10 awaits its check,
    # S20 is out of its limits (a step_limit deviation).
    assert enter(c["olga"], "S10", "olga", {"line_clear": True}).status_code == 201
    kinds = {(i["kind"], i["ref"]) for i in dispose(c["quinn"], "release").json()["items"]}
    assert ("step_unverified", "S10") in kinds
    assert c["sam"].post(f"{URL}steps/S10/verify/", {"signature": sign("sam", "verified")},
                         format="json").status_code == 200  # fmt: skip
    s20 = enter(c["olga"], "S20", "olga", {"press_speed": 70})
    assert s20.status_code == 201
    deviation = Deviation.objects.get(kind="step_limit")
    items = dispose(c["quinn"], "release").json()["items"]
    assert {(i["kind"], i["ref"]) for i in items} == {
        ("deviation_open", deviation.number),
        ("exception_unreviewed", f"entry:{s20.json()['id']}:out_of_limit"),
        ("exception_unreviewed", f"deviation:{deviation.number}"),
    }
    # Reviewing records the look; the open deviation still blocks until QA closes it.
    for item in items:
        if item["kind"] == "exception_unreviewed":
            assert review(c["quinn"], item["ref"]).status_code == 200
    assert [i["kind"] for i in dispose(c["quinn"], "release").json()["items"]] == ["deviation_open"]
    close_deviation(deviation.number, run)
    released = dispose(c["quinn"], "release")
    assert released.status_code == 200, released.content
    assert released.json()["status"] == "released"
    assert released.json()["disposition"]["signature"]["meaning"] == "released"
    assert released.json()["blockers"] == []


@pytest.mark.django_db
def test_after_the_disposition_the_record_is_read_only(run: dict[str, Any]) -> None:
    c = run["c"]
    assert enter(c["olga"], "S10", "olga", {"line_clear": True}).status_code == 201
    close(run)
    assert dispose(c["quinn"], "reject").status_code == 200  # a rejection needs no clearance
    batch = Batch.objects.get()
    assert batch.status == "rejected"
    assert enter(c["olga"], "S20", "olga", {"press_speed": 50}).status_code == 409
    verified = c["sam"].post(f"{URL}steps/S10/verify/", {"signature": sign("sam", "verified")},
                             format="json")  # fmt: skip
    assert verified.status_code == 409
    assert "read-only" in verified.json()["detail"]
    again = dispose(c["quinn"], "release")
    assert again.status_code == 409
    assert again.json()["current_status"] == "rejected"
    assert c["sam"].patch(URL, {"end": timezone.now().isoformat(), "reason": "x"},
                          format="json").status_code == 409  # fmt: skip
    # The database keeps it so too, as the runtime role: the disposition signed the batch.
    for statement in ("UPDATE ebr_batch SET status = 'released'",
                      "UPDATE ebr_batch SET \"end\" = \"end\" + interval '1 hour'"):  # fmt: skip
        with (
            pytest.raises(DatabaseError, match="signed"),
            transaction.atomic(),
            audit_context(actor=run["people"]["quinn"], reason="tamper"),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL ROLE ledgerline_app")
            cursor.execute(statement)
    assert Batch.objects.get().status == "rejected"


@pytest.mark.django_db
def test_findings_after_the_disposition_attach_flagged(run: dict[str, Any]) -> None:
    c = run["c"]
    assert enter(c["olga"], "S10", "olga", {"line_clear": True}).status_code == 201
    assert c["sam"].post(f"{URL}steps/S10/verify/", {"signature": sign("sam", "verified")},
                         format="json").status_code == 200  # fmt: skip
    assert enter(c["olga"], "S20", "olga", {"press_speed": 50}).status_code == 201
    close(run)
    assert dispose(c["quinn"], "release").status_code == 200
    later = c["olga"].post("/api/v1/ebr/deviations/", {
        "line": "L9", "batch_number": "B-1", "kind": "manual", "severity": "major",
        "start": (timezone.now() - timedelta(hours=1)).isoformat(),
        "description": "Diverted material found in the good-tablet drum",
    }, format="json")  # fmt: skip
    assert later.status_code == 201, later.content
    found = {e["id"]: e for e in exceptions(c["quinn"])["exceptions"]}
    item = found[f"deviation:{later.json()['number']}"]
    assert item["post_disposition"] is True
    assert item["reviewed_by"] is None
    assert review(c["quinn"], item["id"]).status_code == 200
    assert Batch.objects.get().status == "released"


@pytest.mark.django_db
def test_entry_and_audit_exceptions_name_their_subject(run: dict[str, Any]) -> None:
    c, people = run["c"], run["people"]
    batch = Batch.objects.get()
    with audit_context(actor=people["quinn"], reason="test: the batch started two hours ago"):
        Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(hours=2))
    first = enter(c["olga"], "S10", "olga", {"line_clear": False}).json()  # late (30 min)
    fixed = enter(c["olga"], "S10", "olga", {"line_clear": True}, corrects=first["id"],
                  reason="ticked the wrong box")  # fmt: skip
    assert fixed.status_code == 201
    moved = timezone.now() + timedelta(hours=3)
    services.batch_move_end(actor=people["sam"], batch=batch, end=moved.isoformat(),
                            reason="the plan runs longer")  # fmt: skip
    correction_create(
        actor=people["quinn"], tag=Tag.objects.get(name="L9.PRESS.WEIGHT"),
        start=(timezone.now() - timedelta(minutes=30)).isoformat(),
        end=(timezone.now() - timedelta(minutes=20)).isoformat(),
        values=[{"ts": (timezone.now() - timedelta(minutes=25)).isoformat(), "value": 250.0,
                 "quality": "good"}],
        reason="balance out of calibration",
        signature=SignatureRequest(username="quinn", password=PASSWORD, meaning="approved",
                                   reason="balance out of calibration"),
    )  # fmt: skip
    found = {e["id"]: e for e in exceptions(c["quinn"])["exceptions"]}
    event = AuditEvent.objects.filter(table_name="ebr_batch", changes__has_key="end").last()
    assert event is not None
    assert found[f"entry:{first['id']}:late"]["kind"] == "entry_late"
    assert found[f"entry:{fixed.json()['id']}:late"]["kind"] == "entry_late"
    corrected = found[f"entry:{first['id']}:corrected"]
    assert corrected["kind"] == "entry_corrected"
    assert "ticked the wrong box" in corrected["summary"]
    change = found[f"audit:{event.pk}"]
    assert change["kind"] == "audit_change"
    assert "sam" in change["summary"]
    assert "the plan runs longer" in change["summary"]
    assert [e["kind"] for e in found.values() if e["id"].startswith("correction:")] == [
        "audit_change"
    ]
    # While the batch runs, steps still to do are work, not exceptions.
    assert not any(e["kind"].startswith("step_") for e in found.values())
    # The ids are stable: asked again, the same list.
    assert set(found) == {e["id"] for e in exceptions(c["quinn"])["exceptions"]}


@pytest.mark.django_db
def test_a_review_is_signed_once_by_qa(run: dict[str, Any], make_service_account: Any) -> None:
    c = run["c"]
    s10 = enter(c["olga"], "S10", "olga", {"line_clear": True}).json()
    assert s10["late"] is False
    fixed = enter(c["olga"], "S10", "olga", {"line_clear": False}, corrects=s10["id"], reason="r")
    ident = f"entry:{s10['id']}:corrected"
    assert fixed.status_code == 201
    assert review(c["quinn"], "entry:999999:late").status_code == 404
    assert review(c["quinn"], ident, comment="  ").status_code == 400
    wrong = review(c["quinn"], ident, signature=sign("quinn", "approved"))
    assert wrong.status_code == 400
    assert review(c["olga"], ident, username="olga").status_code == 403  # not QA
    # An MES carrying a QA reviewer's signature: the review is the reviewer's.
    _, key = make_service_account("mes")
    mes = APIClient()
    mes.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    done = review(mes, ident)
    assert done.status_code == 200, done.content
    assert done.json()["reviewed_by"] == "quinn"
    assert done.json()["signature"]["meaning"] == "reviewed"
    assert review(c["quinn"], ident).status_code == 409  # once
    assert ExceptionReview.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_make_one_review_and_one_disposition(run: dict[str, Any]) -> None:
    c = run["c"]
    assert enter(c["olga"], "S10", "olga", {"line_clear": True}).status_code == 201
    assert c["sam"].post(f"{URL}steps/S10/verify/", {"signature": sign("sam", "verified")},
                         format="json").status_code == 200  # fmt: skip
    first = enter(c["olga"], "S20", "olga", {"press_speed": 50}).json()
    fixed = enter(c["olga"], "S20", "olga", {"press_speed": 55}, corrects=first["id"], reason="r")
    assert fixed.status_code == 201
    close(run)
    ident = next(e["id"] for e in exceptions(c["quinn"])["exceptions"])
    assert at_once([
        lambda: review(c["quinn"], ident).status_code,
        lambda: review(c["quinn2"], ident, username="quinn2").status_code,
    ]) == [200, 409]  # fmt: skip
    assert at_once([
        lambda: dispose(c["quinn"], "release").status_code,
        lambda: dispose(c["quinn2"], "reject", username="quinn2").status_code,
    ]) == [200, 409]  # fmt: skip
    assert Batch.objects.get().status in ("released", "rejected")


@pytest.mark.django_db
def test_qa_takes_a_closed_batch_into_review_from_its_review_page(run: dict[str, Any]) -> None:
    close(run)
    page = run["c"]["quinn"].get("/ebr/review/B-1/")
    assert page.status_code == 200
    assert b'data-testid="take-into-review"' in page.content
    assert b"unsigned step" in page.content  # both steps block, said as blockers
    moved = run["c"]["quinn"].post(
        "/ebr/batches/B-1/move/",
        {"status": "under_review", "reason": "QA review", "back": "review"},
    )
    assert moved.status_code == 302
    assert moved["Location"] == "/ebr/review/B-1/"
    assert Batch.objects.get().status == "under_review"
    queue = run["c"]["quinn"].get("/ebr/review/")
    assert b"B-1" in queue.content
