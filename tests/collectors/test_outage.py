"""Outages in the middle of a stream, at full size: a line publishes 10,000 values/s over MQTT
to a collector (`manage.py collect mqtt`, a process of its own) forwarding to the production
web server (gunicorn) on a database cluster of the test's own. For 60 s the web server is
killed (SIGKILL, workers and all), or the database is stopped; then it comes back. Every
value published arrives exactly once.

Each scenario streams 80 s (800,000 values) and waits for the backlog to drain: about two
minutes each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import requests

from bench.historian.common import free_port, serving, start_gunicorn
from tests.collectors.broker import start_mosquitto, wait_for
from tests.collectors.cluster import ROOT, OwnCluster

RATE, DOWN_AT, DOWN_FOR, AFTER = 10_000, 5, 60, 15
TOTAL = RATE * (DOWN_AT + DOWN_FOR + AFTER)
TAGS_PER_LINE = 50
START = datetime(2026, 3, 3, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnCluster]:
    own = OwnCluster(tmp_path_factory.mktemp("cluster"))
    try:
        own.start()
        own.manage("migrate", "--noinput", "-v0")
        yield own
    finally:
        own.destroy()


class Gunicorn:
    """The production server on a port against the test's cluster, in a process group of its
    own (so SIGKILL takes the workers with the master)."""

    def __init__(self, cluster: OwnCluster) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cluster = cluster
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        urls = self.cluster.urls()
        self.process = start_gunicorn(self.port, own_group=True,
                                      DATABASE_URL=urls["DATABASE_URL"],
                                      LEDGERLINE_STATE_DIR=str(self.cluster.state))  # fmt: skip
        assert serving(self.port, 60)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def gunicorn(cluster: OwnCluster) -> Iterator[Gunicorn]:
    server = Gunicorn(cluster)
    server.start()
    yield server
    server.kill()


class Line:
    """Tags `<prefix>.T000`… on the cluster, a collector for them and an MQTT publisher."""

    def __init__(self, cluster: OwnCluster, server: Gunicorn, directory: Path, prefix: str):
        self.cluster, self.prefix, self.directory = cluster, prefix, directory
        name = f"collector-{prefix.lower()}"
        token = cluster.manage("shell", "-c", (
            "from bench.historian.common import bench_account, bench_tags\n"
            f"bench_tags({prefix!r}, {TAGS_PER_LINE})\n"
            f"print(bench_account({name!r})[1])\n"
        )).split()[-1]  # the last line (the shell may say what it imported first)  # fmt: skip
        self.broker, port = start_mosquitto(directory)
        self.log = (directory / "collector.log").open("w")
        self.collector = subprocess.Popen(
            [sys.executable, "manage.py", "collect", "mqtt", "--topics", "plant/#",
             "--name", name, "--broker", f"mqtt://127.0.0.1:{port}",
             "--buffer", str(directory / "buffer"), "--historian", server.url],
            cwd=ROOT, env=cluster.environment(LEDGERLINE_COLLECTOR_TOKEN=token),
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(lambda: "collecting into" in (directory / "collector.log").read_text())
        time.sleep(1)  # subscribed
        self.client = mqtt.Client(client_id=f"line-{prefix}", protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(1000)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.publisher = threading.Thread(target=self._publish)

    def _sample(self, n: int) -> dict[str, Any]:
        tick, tag = divmod(n, TAGS_PER_LINE)
        ts = START + timedelta(milliseconds=10 * tick)
        return {"tag": f"{self.prefix}.T{tag:03d}", "value": float(n),
                "ts": ts.isoformat().replace("+00:00", "Z")}  # fmt: skip

    def _publish(self) -> None:
        began = time.monotonic()
        for k in range(0, TOTAL, 100):
            samples = [self._sample(n) for n in range(k, k + 100)]
            self.client.publish(f"plant/{self.prefix}", json.dumps(samples), qos=1)
            time.sleep(max(0.0, began + (k + 100) / RATE - time.monotonic()))

    def stored(self) -> tuple[int, int]:
        """Samples of the line's tags in the database, and distinct (tag, time) among them."""
        ((total, distinct),) = self.cluster.query(
            "SELECT count(*), count(DISTINCT (s.tag_id, s.ts)) FROM historian_sample s "
            "JOIN historian_tag t ON t.id = s.tag_id WHERE t.name LIKE %s",
            (f"{self.prefix}.%",),
        )
        return int(total), int(distinct)

    def buffered_bytes(self) -> int:
        """What the collector holds on disk (its segment files)."""
        return sum(p.stat().st_size for p in (self.directory / "buffer").glob("seg-*.log"))

    def stream_through(self, outage: Callable[[], None], back: Callable[[], None]) -> None:
        """Publish TOTAL values at RATE; `outage` DOWN_AT s in (it returns once the outage
        has been observed DOWN_FOR s), `back` after it; wait until all are stored."""
        try:
            self.publisher.start()
            time.sleep(DOWN_AT)
            outage()
            back()
            self.publisher.join()
            deadline = time.monotonic() + 300
            while self.stored()[0] < TOTAL and time.monotonic() < deadline:
                time.sleep(1)
        finally:
            self.client.loop_stop()
            self.collector.send_signal(signal.SIGTERM)
            self.collector.wait(30)
            self.broker.terminate()
            self.broker.wait(10)
            self.log.close()


def test_every_value_arrives_once_through_a_web_server_outage(
    tmp_path: Path, cluster: OwnCluster, gunicorn: Gunicorn
) -> None:
    line = Line(cluster, gunicorn, tmp_path, "L8")

    def outage() -> None:
        gunicorn.kill()
        stored, held = line.stored()[0], line.buffered_bytes()
        time.sleep(DOWN_FOR)
        assert line.stored()[0] == stored  # nothing could be stored meanwhile
        # ...while the collector took the line's values onto its disk (~96 bytes each): at
        # least a tenth of what the line published, however loaded the machine
        assert (line.buffered_bytes() - held) / 96 > RATE * DOWN_FOR / 10

    line.stream_through(outage, gunicorn.start)
    assert line.stored() == (TOTAL, TOTAL)


def test_every_value_arrives_once_through_a_database_outage(
    tmp_path: Path, cluster: OwnCluster, gunicorn: Gunicorn
) -> None:
    line = Line(cluster, gunicorn, tmp_path, "L7")
    probe = {"samples": [{"tag": "L7.T000", "ts": "2026-03-03T07:00:00Z", "value": 1.0}]}

    def outage() -> None:
        cluster.stop()
        time.sleep(DOWN_FOR / 2)
        # The web server stays up and says what it can and cannot do.
        answer = requests.post(f"{gunicorn.url}/api/v1/historian/samples/", json=probe,
                               headers={"Authorization": "Token x"}, timeout=30)  # fmt: skip
        assert answer.status_code == 503
        assert answer.json()["error"] == "unavailable"
        assert answer.headers["Retry-After"].isdigit()
        # A person's browser, signed in (the session is read from the database): a page that
        # says so, not a bare "Server Error (500)".
        page = requests.get(f"{gunicorn.url}/historian/", cookies={"sessionid": "s" * 32},
                            allow_redirects=False, timeout=30)  # fmt: skip
        assert page.status_code == 503
        assert "The database is not answering" in page.text
        time.sleep(DOWN_FOR / 2)

    line.stream_through(outage, cluster.start)
    assert line.stored() == (TOTAL, TOTAL)
