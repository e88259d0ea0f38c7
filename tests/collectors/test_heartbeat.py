"""Collector heartbeats: what a collector's buffer holds reaches the historian, the status
API, page and command show it, and alarm when a collector falls silent, falls behind or has
batches quarantined; a name belongs to the account that first reported it."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles as R
from collectors.buffer import Buffer, Value
from collectors.forwarder import Forwarder, Historian
from collectors.models import Collector
from collectors.selectors import collector_alarms, collector_status

pytestmark = pytest.mark.django_db
BEAT = {"kind": "mqtt", "buffered": 1200, "oldest_age_seconds": 12.5, "buffer_bytes": 150_000,
        "max_bytes": 1_000_000, "send_rate": 830.0, "quarantined": 0, "last_error": ""}  # fmt: skip


def client_of(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_heartbeat_is_recorded_at_the_server_time_and_shown(
    make_service_account: Any, make_user: Any
) -> None:
    _, key = make_service_account("collector-1")
    before = timezone.now()
    answer = client_of(key).post("/api/v1/collectors/line-1/heartbeat/", BEAT, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["buffered"] == 1200
    assert answer.json()["silent"] is False
    collector = Collector.objects.get(name="line-1")
    assert before <= collector.last_seen <= timezone.now()
    reader = APIClient()
    reader.force_login(make_user(R.QA_REVIEWER, username="quinn"))
    listed = reader.get("/api/v1/collectors/").json()
    assert [(c["name"], c["send_rate"]) for c in listed] == [("line-1", 830.0)]
    status = reader.get("/api/v1/status/").json()
    assert status["collectors"][0]["name"] == "line-1"
    page = reader.get("/status/").content.decode()
    assert "line-1" in page
    assert "forwarding" in page
    out = StringIO()
    call_command("status", stdout=out)
    assert "line-1 (mqtt): 1,200 value(s) buffered, oldest 12 s, 830 values/s" in out.getvalue()


def test_silent_behind_and_quarantined_collectors_raise_alarms(make_service_account: Any) -> None:
    _, key = make_service_account("collector-1")
    client = client_of(key)
    client.post("/api/v1/collectors/quiet/heartbeat/", BEAT, format="json")
    late = {**BEAT, "oldest_age_seconds": 900.0, "last_error": "the historian answered 503"}
    client.post("/api/v1/collectors/late/heartbeat/", late, format="json")
    refused = {**BEAT, "quarantined": 2}
    client.post("/api/v1/collectors/refused/heartbeat/", refused, format="json")
    alarms = collector_alarms(collector_status(timezone.now() + timedelta(seconds=30)))
    assert alarms == [
        "collector late holds 1,200 value(s), the oldest 900 s old: the historian answered 503",
        "collector refused: 2 batch(es) refused by the historian, kept in its quarantine.jsonl;"
        " fix their tags or values and resend",
    ]
    later = collector_alarms(collector_status(timezone.now() + timedelta(seconds=90)))
    assert any(a.startswith("collector quiet silent for 9") for a in later)
    out = StringIO()
    Collector.objects.filter(name="quiet").update(last_seen=timezone.now() - timedelta(minutes=5))
    call_command("status", stdout=out)
    assert "ALARM                 collector quiet silent for 300 s" in out.getvalue()


def test_a_name_belongs_to_the_account_that_first_reported_it(make_service_account: Any) -> None:
    _, first = make_service_account("collector-1")
    _, other = make_service_account("collector-2")
    assert client_of(first).post("/api/v1/collectors/line-1/heartbeat/", BEAT,
                                 format="json").status_code == 200  # fmt: skip
    answer = client_of(other).post("/api/v1/collectors/line-1/heartbeat/", BEAT, format="json")
    assert answer.status_code == 403
    assert answer.json()["error"] == "collector_taken"
    assert Collector.objects.get(name="line-1").account.username == "collector-1"


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "modbus"), ("buffered", -1), ("send_rate", "fast"), ("max_bytes", None)],
)
def test_a_bad_heartbeat_is_400_naming_the_field_and_records_nothing(
    make_service_account: Any, field: str, value: Any
) -> None:
    _, key = make_service_account("collector-1")
    answer = client_of(key).post("/api/v1/collectors/line-1/heartbeat/", {**BEAT, field: value},
                                 format="json")  # fmt: skip
    assert answer.status_code == 400
    assert field in answer.json()["fields"]
    assert not Collector.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_forwarder_reports_its_buffer(
    tmp_path: Path, live_server: Any, make_service_account: Any
) -> None:
    _, key = make_service_account("collector-1")
    buffer = Buffer(tmp_path, collector="line-2")
    buffer.append([Value("L9.NO.TAG", "2026-03-01T08:00:00Z", 1.0)], received=0.0)
    forwarder = Forwarder(buffer, Historian(url=live_server.url, token=key, source="line-2"))
    assert forwarder.heartbeat("opcua")
    collector = Collector.objects.get(name="line-2")
    assert (collector.kind, collector.buffered) == ("opcua", 1)
    assert collector.oldest_age_seconds is not None
    assert collector.oldest_age_seconds > 1e9  # received at the epoch: waiting for decades
    assert collector.buffer_bytes > 0
    assert forwarder.drain(until=time.monotonic() + 5) == 0  # refused (no such tag): none sent
    assert forwarder.heartbeat("opcua")  # an empty buffer: no oldest value
    collector.refresh_from_db()
    assert (collector.buffered, collector.oldest_age_seconds, collector.quarantined) == (0, None, 1)
