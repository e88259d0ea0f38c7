"""Hostile input gets the 4xx of the API's conventions, stores nothing, and a refused ingest
is on record as a rejected ingest: never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.historian.conftest import post

pytestmark = pytest.mark.django_db

FLOW = "L1.FEEDER1.MASSFLOW"
LOT = "L1.FEEDER1.LOT"
GOOD = {"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}


def rejected() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(changes__event="ingest_rejected").order_by("seq"))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "s" * 201, "ingest_key": "k1"}, "source"),
        ({"source": "collector", "ingest_key": "k" * 301}, "ingest_key"),
        ({"source": "coll\x00ector", "ingest_key": "k1"}, "source"),
        ({"source": "collector", "ingest_key": "k\x001"}, "ingest_key"),
    ],
)
def test_oversized_or_unstorable_source_and_key_are_422(
    tags: Any, collector: APIClient, body: dict[str, Any], field: str
) -> None:
    response = collector.post(
        "/api/v1/historian/samples/", {**body, "samples": [GOOD]}, format="json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "unprocessable"
    assert field in response.json()["fields"]
    assert rejected()[-1].changes["status"] == 422


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"tag": FLOW, "ts": "0001-01-01T00:00:00+01:00", "value": 1.0}, "ts"),
        ({"tag": FLOW, "ts": "9999-12-31T23:30:00-01:00", "value": 1.0}, "ts"),
        ({"tag": LOT, "ts": "2026-03-01T08:00:00Z", "value": "lot\x00A"}, "value"),
        ({"tag": [FLOW], "ts": "2026-03-01T08:00:00Z", "value": 1.0}, "tag"),
        ({"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0, "quality": ["good"]}, "quality"),
        ({"tag": FLOW, "ts": ["2026-03-01T08:00:00Z"], "value": 1.0}, "ts"),
        ({"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": {"v": 1}}, "value"),
        ({"tag": {"x": 1}, "ts": "2026-03-01T08:00:00Z", "value": 1.0}, "tag"),
    ],
)
def test_hostile_items_are_422_by_index_and_recorded_as_rejected(
    tags: Any, collector: APIClient, item: dict[str, Any], field: str
) -> None:
    response = post(collector, [GOOD, item], key="hostile")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["items"] == [{"index": 1, "field": field, "error": body["items"][0]["error"]}]
    assert rejected()[-1].changes["status"] == 422
    assert post(collector, [GOOD], key="hostile").status_code == 201  # nothing half-stored


def test_a_400_digit_number_is_refused_cleanly_everywhere(
    tags: Any, collector: APIClient, make_user: Any
) -> None:
    huge = "1" + "0" * 400
    raw = (
        '{"source": "c", "ingest_key": "big", "samples": [{"tag": "' + FLOW + '", '
        '"ts": "2026-03-01T08:00:00Z", "value": ' + huge + "}]}"
    )
    response = collector.generic(
        "POST", "/api/v1/historian/samples/", raw, content_type="application/json"
    )
    assert response.status_code in {400, 422}, response.content
    assert response.json()["error"] in {"parse_error", "unprocessable"}
    qa = make_user(R.QA_REVIEWER, username="qa-big")
    client = APIClient()
    client.force_login(qa)
    body = (
        '{"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T08:00:01Z", "values": '
        '[{"ts": "2026-03-01T08:00:00Z", "value": ' + huge + '}], "reason": "x", "signature": '
        '{"username": "qa-big", "password": "' + PASSWORD + '", "meaning": "approved", '
        '"reason": "ok"}}'
    )
    response = client.generic(
        "POST", f"/api/v1/historian/tags/{FLOW}/corrections/", body, content_type="application/json"
    )
    assert response.status_code in {400, 422}, response.content


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:00:00+01:00", "2026-03-01T08:00:00Z"),
        ("2026-03-01T08:00:00Z", "9999-12-31T23:30:00-01:00"),
    ],
)
def test_annotations_and_reads_at_the_ends_of_time_are_400(
    tags: Any, make_user: Any, start: str, end: str
) -> None:
    client = APIClient()
    client.force_login(make_user(R.SUPERVISOR, username="sup-time"))
    response = client.post(
        f"/api/v1/historian/tags/{FLOW}/annotations/",
        {"start": start, "end": end, "text": "edge of time"},
        format="json",
    )
    assert response.status_code == 400, response.content
    response = client.get(f"/api/v1/historian/tags/{FLOW}/values/", {"start": start, "end": end})
    assert response.status_code == 400, response.content
