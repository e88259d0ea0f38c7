"""Store-and-forward against the real historian over HTTP (a live server): every buffered
value arrives once — after a crash between sending a batch and recording the answer, after
the historian was unreachable, and with a batch the historian refuses for good quarantined
while the batches behind it go on. A collector killed with SIGKILL mid-stream loses nothing
and doubles nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection

from audit.actors import SystemActor
from collectors.buffer import Buffer, Value
from collectors.forwarder import INGEST_PATH, Forwarder, Historian
from historian.models import IngestBatch
from historian.services import tag_create

pytestmark = pytest.mark.django_db(transaction=True)
FLOW = "L9.FEEDER1.MASSFLOW"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def historian(live_server: Any, make_service_account: Any) -> Historian:
    tag_create(actor=SystemActor("system:test"), name=FLOW, equipment="L9/FEEDER1")
    _, key = make_service_account("collector-l9")
    return Historian(url=live_server.url, token=key, source="collector-l9")


def values(start: int, count: int, tag: str = FLOW) -> list[Value]:
    return [
        Value(tag, f"2026-03-01T08:00:00.{k:06d}Z", float(k)) for k in range(start, start + count)
    ]


def stored() -> list[float]:
    """The tag's stored values, each as often as it is stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.value_num FROM historian_sample s JOIN historian_tag t ON t.id = s.tag_id "
            "WHERE t.name = %s ORDER BY s.value_num",
            [FLOW],
        )
        return [row[0] for row in cursor.fetchall()]


def test_buffered_values_reach_the_historian_and_leave_the_disk(
    tmp_path: Path, historian: Historian
) -> None:
    buffer = Buffer(tmp_path, collector="collector-l9")
    buffer.append(values(0, 2500))
    forwarder = Forwarder(buffer, historian, batch_values=1000)
    assert forwarder.drain() == 2500
    assert stored() == [float(k) for k in range(2500)]
    assert IngestBatch.objects.filter(source="collector-l9").count() == 3
    assert buffer.stats().buffered == 0
    assert forwarder.send_rate() == pytest.approx(2500 / 60)


def test_a_crash_before_the_answer_was_recorded_sends_the_batch_again_harmlessly(
    tmp_path: Path, historian: Historian
) -> None:
    buffer = Buffer(tmp_path, collector="collector-l9")
    buffer.append(values(0, 100))
    batch = buffer.next_batch(60)
    assert batch is not None
    # The collector sent it and the historian stored it; the collector died before writing
    # down the answer.
    answer = requests.post(
        historian.url.rstrip("/") + INGEST_PATH,
        json=batch.body(historian.source),
        headers={"Authorization": f"Token {historian.token}"},
        timeout=30,
    )
    assert answer.status_code == 201
    buffer.close()
    buffer = Buffer(tmp_path, collector="collector-l9")
    forwarder = Forwarder(buffer, historian)
    outcome = forwarder.send_one()
    assert (outcome.kind, outcome.status) == ("sent", 200)  # a replay: nothing stored twice
    assert forwarder.send_one().status == 201
    assert stored() == [float(k) for k in range(100)]


def test_the_values_refused_for_good_are_quarantined_and_the_rest_stored(
    tmp_path: Path, historian: Historian
) -> None:
    """An unconfigured tag in a batch: its value is quarantined with the historian's answer,
    the batch's other values are stored (under the batch's key + /rest1), the batches behind
    go on."""
    buffer = Buffer(tmp_path, collector="collector-l9")
    buffer.append(values(0, 3))
    buffer.append([Value("L9.NO.SUCH.TAG", "2026-03-01T08:00:01Z", 1.0)])
    buffer.append(values(3, 2))
    forwarder = Forwarder(buffer, historian, batch_values=6)
    outcome = forwarder.send_one()
    assert (outcome.kind, outcome.status, outcome.values) == ("quarantined", 422, 5)
    assert stored() == [float(k) for k in range(5)]
    buffer.append(values(5, 5))
    assert forwarder.drain() == 5
    assert stored() == [float(k) for k in range(10)]
    (entry,) = [json.loads(line) for line in (tmp_path / "quarantine.jsonl").open()]
    assert entry["indexes"] == [3]
    assert [s["tag"] for s in entry["samples"]] == ["L9.NO.SUCH.TAG"]
    assert entry["status"] == 422
    assert entry["answer"]["items"][0]["index"] == 3
    assert buffer.stats().quarantined == 1
    buffer.close()  # what the heartbeat reports survives a restart
    assert Buffer(tmp_path, collector="collector-l9").quarantined_total() == 1


def test_a_batch_refused_whole_is_quarantined_whole(tmp_path: Path, historian: Historian) -> None:
    buffer = Buffer(tmp_path, collector="collector-l9")
    buffer.append([Value(f"L9.NO.SUCH.TAG{k}", "2026-03-01T08:00:01Z", 1.0) for k in range(3)])
    buffer.append(values(0, 2))
    forwarder = Forwarder(buffer, historian, batch_values=3)
    assert forwarder.send_one().kind == "quarantined"
    assert forwarder.drain() == 2
    (entry,) = [json.loads(line) for line in (tmp_path / "quarantine.jsonl").open()]
    assert len(entry["samples"]) == 3
    assert "indexes" not in entry
    assert stored() == [0.0, 1.0]


def test_a_split_batch_sent_again_after_a_crash_stores_nothing_twice(
    tmp_path: Path, historian: Historian
) -> None:
    """The rest was stored, then the collector died before it recorded the quarantine: the
    batch is sent again, refused again, its rest sent again under the same derived key —
    the historian answers 200 and stores nothing twice."""
    buffer = Buffer(tmp_path, collector="collector-l9")
    buffer.append([*values(0, 2), Value("L9.NO.SUCH.TAG", "2026-03-01T08:00:01Z", 1.0)])
    batch = buffer.next_batch(3)
    assert batch is not None
    rest = {"source": historian.source, "ingest_key": f"{batch.key}/rest1",
            "samples": [v.sample() for v in batch.values[:2]]}  # fmt: skip
    first = requests.post(historian.url + INGEST_PATH, json=rest, timeout=30,
                          headers={"Authorization": f"Token {historian.token}"})  # fmt: skip
    assert first.status_code == 201  # ...and then the crash
    before = IngestBatch.objects.count()
    outcome = Forwarder(buffer, historian, batch_values=3).send_one()
    assert (outcome.kind, outcome.values) == ("quarantined", 2)
    assert IngestBatch.objects.count() == before
    assert stored() == [0.0, 1.0]


def test_an_unreachable_historian_loses_nothing(tmp_path: Path, historian: Historian) -> None:
    buffer = Buffer(tmp_path, collector="collector-l9")
    buffer.append(values(0, 50))
    away = Historian(url="http://127.0.0.1:9", token=historian.token, source=historian.source,
                     timeout=2)  # fmt: skip
    forwarder = Forwarder(buffer, away)
    outcome = forwarder.send_one()
    assert outcome.kind == "retry"
    assert "could not be reached" in forwarder.last_error
    assert forwarder.pause() > 0
    assert buffer.stats().buffered == 50
    assert Forwarder(buffer, historian).drain() == 50
    assert stored() == [float(k) for k in range(50)]


class Unavailable(BaseHTTPRequestHandler):
    """A historian whose database is away: 503 `unavailable` with a Retry-After."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"error": "unavailable", "detail": "The database is not answering"}'
        self.send_response(503)
        self.send_header("Retry-After", "3")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_retry_after_sets_the_pause_and_nothing_leaves_the_buffer(
    tmp_path: Path, historian: Historian
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        buffer = Buffer(tmp_path, collector="collector-l9")
        buffer.append(values(0, 20))
        away = Historian(url=f"http://127.0.0.1:{server.server_address[1]}",
                         token=historian.token, source=historian.source)  # fmt: skip
        forwarder = Forwarder(buffer, away)
        assert [forwarder.send_one().kind for _ in range(3)] == ["retry"] * 3
        assert forwarder.pause() == 3  # as asked, not doubled
        assert "503" in forwarder.last_error
    finally:
        server.shutdown()
    assert Forwarder(buffer, historian).drain() == 20
    assert stored() == [float(k) for k in range(20)]


COLLECTOR = """
import sys, time
from collectors.buffer import Buffer, Value
from collectors.forwarder import Forwarder, Historian
directory, url, token, start, count = sys.argv[1:6]
buffer = Buffer(directory, collector="collector-l9")
forwarder = Forwarder(buffer, Historian(url=url, token=token, source="collector-l9"),
                      batch_values=250)
for k in range(int(start), int(start) + int(count), 50):
    buffer.append([Value("L9.FEEDER1.MASSFLOW", f"2026-03-01T08:00:00.{j:06d}Z", float(j))
                   for j in range(k, k + 50)])
    print(k + 50, flush=True)  # acknowledged to the source
    forwarder.send_one()
forwarder.drain()
print("drained", flush=True)
"""


def test_a_collector_killed_mid_stream_loses_and_doubles_nothing(
    tmp_path: Path, historian: Historian
) -> None:
    """SIGKILL while values stream in and batches go out; a restart with the same buffer
    sends the rest: every acknowledged value stored exactly once."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", COLLECTOR, str(tmp_path), historian.url, historian.token]
    first = subprocess.Popen([*args, "0", "5000"], env=env, stdout=subprocess.PIPE, text=True)
    assert first.stdout is not None
    acknowledged = 0
    deadline = time.monotonic() + 60
    while acknowledged < 2000 and time.monotonic() < deadline:
        acknowledged = int(first.stdout.readline())
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert 2000 <= acknowledged < 5000
    # The source sends again from what it saw acknowledged (MQTT redelivers the rest).
    second = subprocess.run([*args, str(acknowledged), str(5000 - acknowledged)], env=env,
                            capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    assert second.stdout.strip().endswith("drained")
    assert stored() == [float(k) for k in range(5000)]
