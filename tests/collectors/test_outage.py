"""An outage of the historian's web server in the middle of a stream: the production server
(gunicorn, its workers) killed with SIGKILL for 20 s while a line publishes 5,000 values/s
over MQTT; the collector buffers what arrives meanwhile and, once the server is back, every
value is stored exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.db import connection

from audit.actors import SystemActor
from bench.historian.common import free_port, serving, start_gunicorn
from collectors.forwarder import Historian
from historian.services import tag_create
from tests.collectors.broker import start_mosquitto
from tests.collectors.test_mqtt import Running

pytestmark = pytest.mark.django_db(transaction=True)
TAGS = [f"L8.UNIT.T{n:02d}" for n in range(50)]
RATE, SECONDS, DOWN_AT, DOWN_FOR = 5_000, 30, 5, 20
TOTAL = RATE * SECONDS


class Gunicorn:
    """The production server on a port, in a process group of its own (so SIGKILL takes the
    workers with the master)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_gunicorn(self.port, own_group=True)
        assert serving(self.port, 60)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def gunicorn() -> Iterator[Gunicorn]:
    server = Gunicorn(free_port())
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()


def counts() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT (s.tag_id, s.ts)) FROM historian_sample s "
            "JOIN historian_tag t ON t.id = s.tag_id WHERE t.name LIKE 'L8.UNIT.%%'"
        )
        total, distinct = cursor.fetchone()
        return int(total), int(distinct)


def test_every_value_arrives_once_through_a_web_server_outage(
    tmp_path: Path, gunicorn: Gunicorn, make_service_account: Any
) -> None:
    for name in TAGS:
        tag_create(actor=SystemActor("system:test"), name=name, equipment="L8/UNIT")
    _, key = make_service_account("collector-l8")
    gunicorn.start()
    broker, port = start_mosquitto(tmp_path)
    historian = Historian(url=f"http://127.0.0.1:{gunicorn.port}", token=key,
                          source="collector-l8", timeout=10)  # fmt: skip
    running = Running(tmp_path / "buffer", f"mqtt://127.0.0.1:{port}", historian, ["plant/#"],
                      name="collector-l8")  # fmt: skip
    line = mqtt.Client(client_id="line-l8", protocol=mqtt.MQTTv5)
    line.max_inflight_messages_set(1000)
    line.connect("127.0.0.1", port)
    line.loop_start()

    def publish() -> None:
        began = time.monotonic()
        for k in range(0, TOTAL, 100):
            samples = [{"tag": TAGS[n % 50], "value": float(n),
                        "ts": f"2026-03-03T08:{n // 50 // 6000:02d}:"
                              f"{n // 50 % 6000 // 100:02d}.{n // 50 % 100:02d}0Z"}
                       for n in range(k, k + 100)]  # fmt: skip
            line.publish("plant/l8", json.dumps(samples), qos=1)
            time.sleep(max(0.0, began + (k + 100) / RATE - time.monotonic()))

    publisher = threading.Thread(target=publish)
    try:
        publisher.start()
        time.sleep(DOWN_AT)
        gunicorn.kill()  # the web server is gone for DOWN_FOR seconds
        down = counts()[0]
        time.sleep(DOWN_FOR)
        assert counts()[0] == down  # nothing could be stored meanwhile
        assert running.buffer.stats().buffered > RATE * DOWN_FOR // 4  # held by the collector
        gunicorn.start()
        publisher.join()
        deadline = time.monotonic() + 180
        while counts()[0] < TOTAL and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        line.loop_stop()
        running.close()
        broker.terminate()
    assert counts() == (TOTAL, TOTAL)
