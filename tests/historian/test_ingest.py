"""Ingest: the API.md contract — replay, mismatch, 422 by index, duplicates, conflicts."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from historian.models import IngestBatch
from tests.historian.conftest import post

pytestmark = pytest.mark.django_db

FLOW = "L1.FEEDER1.MASSFLOW"


def stored(tag_id: int) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts, value_num, value_text, quality FROM historian_sample "
            "WHERE tag_id = %s ORDER BY ts",
            [tag_id],
        )
        return cursor.fetchall()


def test_ingest_stores_and_answers_with_the_digest(tags: Any, collector: APIClient) -> None:
    samples = [
        {"tag": FLOW, "ts": "2026-03-01T08:00:00.125Z", "value": 12.31},
        {"tag": FLOW, "ts": "2026-03-01T08:00:01+01:00", "value": 12, "quality": "uncertain"},
        {"tag": "L1.PRESS.SPEED", "ts": "2026-03-01T08:00:00Z", "value": 45.0},
        {"tag": "L1.PRESS.RUNNING", "ts": "2026-03-01T08:00:00Z", "value": True},
        {"tag": "L1.FEEDER1.LOT", "ts": "2026-03-01T08:00:00Z", "value": "Lactose L-2201 «α»"},
        {"tag": FLOW, "ts": "2026-03-01T08:00:02Z", "value": None, "quality": "bad"},
    ]
    response = post(collector, samples)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["accepted"] == 6
    assert body["duplicates"] == 0
    lines = sorted(
        [
            f"{FLOW}\t2026-03-01T07:00:01.000000Z\t12.0\tuncertain\n",
            f"{FLOW}\t2026-03-01T08:00:00.125000Z\t12.31\tgood\n",
            f"{FLOW}\t2026-03-01T08:00:02.000000Z\tnull\tbad\n",
            "L1.PRESS.SPEED\t2026-03-01T08:00:00.000000Z\t45\tgood\n",
            "L1.PRESS.RUNNING\t2026-03-01T08:00:00.000000Z\ttrue\tgood\n",
            'L1.FEEDER1.LOT\t2026-03-01T08:00:00.000000Z\t"Lactose L-2201 «α»"\tgood\n',
        ]
    )
    assert body["sha256"] == hashlib.sha256("".join(lines).encode()).hexdigest()
    assert len(stored(tags["flow"].pk)) == 3
    batch = IngestBatch.objects.get(pk=body["ingest_id"])
    assert batch.sha256 == body["sha256"]
    # One audit event for the whole batch, carrying its digest.
    (event,) = AuditEvent.objects.filter(table_name="historian_ingest_batch")
    assert event.changes["sha256"] == [None, body["sha256"]]


def test_replay_returns_the_first_body_with_200_and_stores_nothing(
    tags: Any, collector: APIClient
) -> None:
    samples = [
        {"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.5},
        {"tag": FLOW, "ts": "2026-03-01T08:00:01Z", "value": 1.6},
    ]
    first = post(collector, samples)
    assert first.status_code == 201
    # The same samples in another order and key order: the same request.
    again = post(collector, [{"value": 1.6, "ts": "2026-03-01T08:00:01Z", "tag": FLOW}, samples[0]])
    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(stored(tags["flow"].pk)) == 2
    assert IngestBatch.objects.count() == 1


def test_a_csv_replay_of_a_json_request_is_the_same_request(
    tags: Any, collector: APIClient
) -> None:
    first = post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.5}], key="c")
    csv_body = "tag,ts,value,quality\nL1.FEEDER1.MASSFLOW,2026-03-01T08:00:00Z,1.5,good\n"
    again = collector.post(
        "/api/v1/historian/samples/?source=opcua-collector-1",
        csv_body,
        content_type="text/csv",
        HTTP_IDEMPOTENCY_KEY="c",
    )
    assert again.status_code == 200
    assert again.json() == first.json()


def test_a_different_request_under_a_used_key_is_409(tags: Any, collector: APIClient) -> None:
    assert (
        post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.5}]).status_code
        == 201
    )
    response = post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 9.9}])
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_mismatch"
    # An invalid request under a used key is a mismatch too: that check comes first.
    response = post(collector, [{"tag": "NO.SUCH.TAG", "ts": "2026-03-01T08:00:00Z", "value": 1}])
    assert response.status_code == 409


def test_invalid_items_are_422_by_index_and_nothing_is_stored(
    tags: Any, collector: APIClient
) -> None:
    samples = [
        {"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0},  # fine
        {"tag": "NO.SUCH.TAG", "ts": "2026-03-01T08:00:00Z", "value": 1.0},
        {"tag": FLOW, "ts": "2026-03-01T08:00:01", "value": 1.0},  # no offset
        {"tag": FLOW, "ts": "2026-03-01T08:00:01.1234567Z", "value": 1.0},  # finer than µs
        {"tag": FLOW, "ts": "2099-01-01T00:00:00Z", "value": 1.0},  # future
        {"tag": "L1.PRESS.SPEED", "ts": "2026-03-01T08:00:00Z", "value": 1.5},  # not integral
        {"tag": "L1.PRESS.RUNNING", "ts": "2026-03-01T08:00:00Z", "value": 1},  # not a bool
        {"tag": FLOW, "ts": "2026-03-01T08:00:02Z", "value": None},  # null but good
        {"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 2.0},  # same ts, other value
        {"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0},  # identical repeat: fine
        {"tag": "L1.FEEDER1.LOT", "ts": "2026-03-01T08:00:00Z", "value": 7},  # text tag
        {"tag": FLOW, "ts": "2026-03-01T08:00:03Z", "value": 1.0, "quality": "great"},
    ]
    response = post(collector, samples, key="bad-1")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "unprocessable"
    assert [i["index"] for i in body["items"]] == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]
    assert {i["field"] for i in body["items"]} >= {"tag", "ts", "value", "quality"}
    assert stored(tags["flow"].pk) == []
    # A 4xx does not use up the key, and the refusal is on record with the payload digest.
    event = AuditEvent.objects.get(changes__event="ingest_rejected")
    assert event.actor_username == "collector-1"
    assert event.changes["status"] == 422
    assert len(event.changes["payload_sha256"]) == 64
    assert post(collector, samples[:1], key="bad-1").status_code == 201


def test_duplicates_are_counted_and_conflicts_store_nothing(
    tags: Any, collector: APIClient
) -> None:
    base = [{"tag": FLOW, "ts": f"2026-03-01T08:00:0{i}Z", "value": float(i)} for i in range(3)]
    assert post(collector, base, key="a").status_code == 201
    more = [*base[:2], {"tag": FLOW, "ts": "2026-03-01T08:00:05Z", "value": 5.0}]
    response = post(collector, more, key="b")
    assert response.status_code == 201
    assert response.json()["accepted"] == 1
    assert response.json()["duplicates"] == 2
    assert len(stored(tags["flow"].pk)) == 4
    conflicting = [
        {"tag": FLOW, "ts": "2026-03-01T08:00:06Z", "value": 6.0},
        {"tag": FLOW, "ts": "2026-03-01T08:00:01Z", "value": 1.5},
        {"tag": FLOW, "ts": "2026-03-01T08:00:02Z", "value": 2.0, "quality": "bad"},
    ]
    response = post(collector, conflicting, key="c")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert [i["index"] for i in response.json()["items"]] == [1, 2]
    assert len(stored(tags["flow"].pk)) == 4  # not even the new 08:00:06


def test_nan_is_allowed_only_when_bad_and_compares_equal(tags: Any, collector: APIClient) -> None:
    body = "tag,ts,value,quality\nL1.FEEDER1.MASSFLOW,2026-03-01T08:00:00Z,nan,good\n"
    response = collector.post(
        "/api/v1/historian/samples/?source=csv",
        body,
        content_type="text/csv",
        HTTP_IDEMPOTENCY_KEY="n1",
    )
    assert response.status_code == 422
    body = body.replace("nan,good", "nan,bad")
    assert (
        collector.post(
            "/api/v1/historian/samples/?source=csv",
            body,
            content_type="text/csv",
            HTTP_IDEMPOTENCY_KEY="n2",
        ).status_code
        == 201
    )
    again = collector.post(
        "/api/v1/historian/samples/?source=csv",
        body,
        content_type="text/csv",
        HTTP_IDEMPOTENCY_KEY="n3",
    )
    assert again.status_code == 201
    assert again.json()["duplicates"] == 1  # nan equals nan by canonical text


def test_only_integration_accounts_ingest(tags: Any, engineer: Any) -> None:
    client = APIClient()
    client.force_login(engineer)
    assert (
        post(client, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}]).status_code == 403
    )
    assert post(APIClient(), []).status_code == 401


def test_late_and_out_of_order_data_are_accepted(tags: Any, collector: APIClient) -> None:
    assert (
        post(
            collector, [{"tag": FLOW, "ts": "2026-03-01T09:00:00Z", "value": 9.0}], key="late-1"
        ).status_code
        == 201
    )
    response = post(
        collector,
        [
            {"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 8.0},
            {"tag": FLOW, "ts": "2026-02-01T08:00:00Z", "value": 7.0},
        ],
        key="late-2",
    )
    assert response.status_code == 201
    assert [r[1] for r in stored(tags["flow"].pk)] == [7.0, 8.0, 9.0]


def test_a_body_over_the_limit_is_413_too_large(
    tags: Any, collector: APIClient, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    samples = [
        {"tag": FLOW, "ts": f"2026-03-01T08:00:{i:02d}Z", "value": float(i)} for i in range(60)
    ]
    response = post(collector, samples, key="big")
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert IngestBatch.objects.count() == 0
