"""LIMS results pushed over REST on the real cluster: one result and lists (atomic, per-item
outcomes), replays that store nothing, conflicts, revisions that keep the earlier ones,
retests and retractions, numeric and text results, OOS raising one deviation, the LIMS's people
mapped to users, bad input refused naming the item and field; append-only in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from audit.models import AuditEvent
from ebr import services
from ebr.models import Deviation
from lims_bridge.models import Result, Sample
from tests.dbadmin import assert_append_only
from tests.ebr.test_batches import effective
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/lims/results/"
T0 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
TESTS = [{"test": "assay", "unit": "%", "low": 95.0, "high": 105.0},
         {"test": "dissolution", "unit": "%", "low": 80.0, "high": None}]  # fmt: skip


@pytest.fixture
def lab(make_user: Any, make_service_account: Any) -> dict[str, Any]:
    """Batch B-1 under a master record requiring assay and dissolution; a LIMS account."""
    eli = make_user(R.PROCESS_ENGINEER, username="eli")
    quinn = make_user(R.QA_REVIEWER, username="quinn")
    sam = make_user(R.SUPERVISOR, username="sam")
    TagFactory(actor=eli, name="L3.PRESS.WEIGHT", equipment="L3/PRESS", unit="mg")
    services.line_create(actor=eli, code="L3", name="Line 3")
    record = services.master_create(
        actor=eli, code="MR3", product="P", title="T", line="L3",
        steps=[{"code": "S1", "title": "Run"}], lims_tests=TESTS,
    )  # fmt: skip
    effective(record, eli, quinn)
    for number, hours in (("B-1", 0), ("B-2", 4)):
        services.batch_create(actor=sam, batch_number=number, master_record="MR3", line="L3",
                              start=(T0 + timedelta(hours=hours)).isoformat(),
                              end=(T0 + timedelta(hours=hours + 4)).isoformat())  # fmt: skip
    _, key = make_service_account("lims")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return {"client": client, "quinn": quinn}


def result(**more: Any) -> dict[str, Any]:
    return {"lims_id": "A-1", "revision": 1, "sample_id": "S-1", "batch_number": "B-1",
            "sampled_at": (T0 + timedelta(hours=1)).isoformat(), "sampling_point": "OUTLET",
            "test": "assay", "result": 99.8, "unit": "%", "spec_low": 95.0, "spec_high": 105.0,
            "warn_low": 97.0, "warn_high": 103.0, "status": "to_be_verified",
            "analyst": "quinn", "verified_by": [], "method": "HPLC-01", "instrument": "LC-7",
            **more}  # fmt: skip


def test_one_result_is_stored_replayed_and_revised(lab: dict[str, Any]) -> None:
    client = lab["client"]
    first = client.post(URL, result(), format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["result"], body["oos"], body["warning"]) == (99.8, False, False)
    assert body["analyst_user"] == "quinn"  # a LIMS name that is a Ledgerline user
    events = AuditEvent.objects.count()
    again = client.post(URL, result(), format="json")
    assert again.status_code == 200
    assert again.json() == body  # exactly the first response's body
    assert AuditEvent.objects.count() == events  # a replay stores nothing
    changed = client.post(URL, result(result=101.2), format="json")
    assert changed.status_code == 409  # the same key with other content
    assert changed.json()["items"][0]["lims_id"] == "A-1"
    revised = client.post(URL, result(revision=2, result=98.1, status="verified",
                                      verified_by="quinn, vera"), format="json")  # fmt: skip
    assert revised.status_code == 201
    assert revised.json()["verifier_users"] == ["quinn"]  # vera is no user: kept as given
    listed = client.get(URL, {"batch_number": "B-1"}).json()["results"]
    assert [(r["lims_id"], r["revision"], [e["revision"] for e in r["revisions"]])
            for r in listed] == [("A-1", 2, [1])]  # fmt: skip
    assert Result.objects.count() == 2


def test_a_list_is_atomic_and_answers_per_item(lab: dict[str, Any]) -> None:
    client = lab["client"]
    assert client.post(URL, result(), format="json").status_code == 201
    batch = [result(), result(lims_id="D-1", test="dissolution", result=85, spec_high=None,
                              warn_low=None, warn_high=None, spec_low=80)]  # fmt: skip
    answer = client.post(URL, {"results": batch}, format="json")
    assert answer.status_code == 201
    assert answer.json() == {"results": [
        {"lims_id": "A-1", "revision": 1, "outcome": "replayed"},
        {"lims_id": "D-1", "revision": 1, "outcome": "created"},
    ]}  # fmt: skip
    replay = client.post(URL, {"results": batch}, format="json")
    assert replay.status_code == 200
    assert {r["outcome"] for r in replay.json()["results"]} == {"replayed"}
    broken = [result(lims_id="X-1"), result(lims_id="X-2", batch_number="NOPE")]
    refused = client.post(URL, {"results": broken}, format="json")
    assert refused.status_code == 422
    assert refused.json()["items"] == [
        {"index": 1, "field": "batch_number", "error": "no batch NOPE"}
    ]
    assert not Result.objects.filter(lims_id__startswith="X-").exists()  # nothing of it


@pytest.mark.parametrize(
    ("more", "field"),
    [
        ({"revision": 0}, "revision"),
        ({"revision": "two"}, "revision"),
        ({"unit": "mg"}, "unit"),  # the master record says %
        ({"result": None}, "result"),
        ({"result": True}, "result"),
        ({"spec_low": "low"}, "spec_low"),
        ({"spec_low": 110.0}, "spec_high"),
        ({"sampled_at": "2026-03-03 07:00"}, "sampled_at"),
        ({"lims_id": ""}, "lims_id"),
        ({"colour": "red"}, "colour"),
        ({"retest_of": "A-1"}, "retest_of"),
        ({"verified_by": [1, 2]}, "verified_by"),
    ],
)
def test_bad_results_are_refused_naming_the_field(
    lab: dict[str, Any], more: dict[str, Any], field: str
) -> None:
    answer = lab["client"].post(URL, result(**more), format="json")
    assert answer.status_code == 422, answer.content
    assert field in {i["field"] for i in answer.json()["items"]}
    assert Result.objects.count() == 0
    assert Sample.objects.count() == 0


def test_a_sample_stays_with_its_batch(lab: dict[str, Any]) -> None:
    assert lab["client"].post(URL, result(), format="json").status_code == 201
    moved = lab["client"].post(URL, result(lims_id="A-2", batch_number="B-2"), format="json")
    assert moved.status_code == 422
    assert moved.json()["items"][0]["field"] == "sample_id"


def test_text_results_retests_and_unknown_states(lab: dict[str, Any]) -> None:
    client = lab["client"]
    text = client.post(URL, result(lims_id="T-1", test="appearance", unit="",
                                   result="complies", spec_low=None, spec_high=None,
                                   warn_low=None, warn_high=None), format="json")  # fmt: skip
    assert text.status_code == 201
    assert (text.json()["result"], text.json()["oos"]) == ("complies", False)
    numeric_text = client.post(URL, result(lims_id="N-1", result="99,5"), format="json")
    assert numeric_text.json()["result"] == 99.5  # a number as a LIMS writes it
    odd = client.post(URL, result(lims_id="O-1", status="under_review"), format="json")
    assert odd.json()["status"] == "under_review"  # kept as given, not verified
    retracted = client.post(URL, result(lims_id="R-1", result=80.0, status="retracted"),
                            format="json")  # fmt: skip
    assert retracted.json()["oos"] is False  # a retracted result is no OOS
    retest = client.post(URL, result(lims_id="R-2", retest_of="R-1"), format="json")
    assert retest.json()["retest_of"] == "R-1"
    assert not Deviation.objects.filter(kind="oos").exists()


def test_oos_raises_one_deviation_per_result(lab: dict[str, Any]) -> None:
    client = lab["client"]
    low = client.post(URL, result(result=93.0), format="json")
    assert low.status_code == 201
    assert low.json()["oos"] is True
    (deviation,) = Deviation.objects.filter(kind="oos")
    assert deviation.batch is not None
    assert deviation.batch.batch_number == "B-1"
    assert "93" in deviation.description
    assert deviation.start == T0 + timedelta(hours=1)  # when it was sampled
    again = client.post(URL, result(revision=2, result=92.5), format="json")
    assert again.json()["oos"] is True
    assert Deviation.objects.filter(kind="oos").count() == 1  # one per LIMS result
    warning = client.post(URL, result(lims_id="W-1", result=96.0), format="json")
    assert (warning.json()["oos"], warning.json()["warning"]) == (False, True)


def test_only_integration_accounts_push(lab: dict[str, Any]) -> None:
    qa = APIClient()
    qa.force_login(lab["quinn"])
    assert qa.post(URL, result(), format="json").status_code == 403
    assert qa.get(URL).status_code == 200  # QA reads them


def test_results_are_append_only_in_the_database(lab: dict[str, Any]) -> None:
    assert lab["client"].post(URL, result(), format="json").status_code == 201
    assert_append_only(lab["quinn"], "lims_result")
    assert Result.objects.get().value == 99.8


def test_the_status_moves_as_a_state_machine(lab: dict[str, Any]) -> None:
    """From one revision to the next: a retraction is final, a published result is not taken
    back to verification; states the LIMS names otherwise move freely."""
    client = lab["client"]
    assert client.post(URL, result(status="published"), format="json").status_code == 201
    back = client.post(URL, result(revision=2, status="to_be_verified"), format="json")
    assert back.status_code == 409
    assert "published result does not become to_be_verified" in back.json()["items"][0]["detail"]
    assert (
        client.post(URL, result(revision=2, status="retracted"), format="json").status_code == 201
    )
    revived = client.post(URL, result(revision=3, status="verified"), format="json")
    assert revived.status_code == 409
    assert "final" in revived.json()["items"][0]["detail"]
    assert (
        client.post(URL, result(lims_id="U-1", status="on_hold"), format="json").status_code == 201
    )
    onwards = client.post(URL, result(lims_id="U-1", revision=2, status="verified"), format="json")
    assert onwards.status_code == 201
    assert Result.objects.filter(lims_id="A-1").count() == 2
