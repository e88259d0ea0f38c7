"""The MQTT collector with a real Mosquitto broker (started here, on a port of its own) and a
live historian: JSON samples and Sparkplug B (aliases from BIRTH, a DEATH as an explicit gap)
arrive once each; shared subscriptions split the data between collectors while each sees
every BIRTH; an unreadable payload is kept, not dropped; a collector killed with SIGKILL and
restarted on its persistent session loses nothing."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pysparkplug as spb
import pytest
from django.db import connection
from pysparkplug._protobuf import Payload as RawPayload

from audit.actors import SystemActor
from bench.historian.common import free_port
from collectors.buffer import Buffer
from collectors.forwarder import Forwarder, Historian
from collectors.mqtt import MqttCollector
from collectors.run import forward_until_stopped
from historian.models import IngestBatch
from historian.services import tag_create
from tests.collectors.broker import start_mosquitto, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
TAGS = ("L9.FEEDER1.MASSFLOW", "L9.FEEDER2.MASSFLOW", "L9.BLENDER.SPEED")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    """A Mosquitto of the test's own (the machine's service may be running or not)."""
    process, port = start_mosquitto(tmp_path)
    yield f"mqtt://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def historian(live_server: Any, make_service_account: Any) -> Historian:
    for name in TAGS:
        tag_create(actor=SystemActor("system:test"), name=name, equipment="L9/LINE")
    _, key = make_service_account("collector-l9")
    return Historian(url=live_server.url, token=key, source="collector-l9")


def stored(tag: str) -> list[tuple[str, Any, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_char(s.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS'), "
            "s.value_num, s.quality FROM historian_sample s "
            "JOIN historian_tag t ON t.id = s.tag_id WHERE t.name = %s ORDER BY s.ts",
            [tag],
        )
        return list(cursor.fetchall())


def publisher(url: str) -> mqtt.Client:
    port = int(url.rsplit(":", 1)[1])
    client = mqtt.Client(client_id=f"line-{free_port()}", protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


class Running:
    """A collector and its forwarder thread, in this process."""

    def __init__(self, directory: Path, broker: str, historian: Historian, topics: list[str],
                 name: str = "collector-l9", share_group: str | None = None,
                 max_bytes: int = 1 << 30) -> None:  # fmt: skip
        self.buffer = Buffer(directory, collector=name, max_bytes=max_bytes)
        self.lock = threading.Lock()
        self.collector = MqttCollector(self.buffer, broker=broker, topics=topics, client_id=name,
                                       share_group=share_group, lock=self.lock)  # fmt: skip
        self.forwarder = Forwarder(self.buffer, historian, batch_values=500, lock=self.lock)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=forward_until_stopped,
                                       args=(self.forwarder, self.stop), daemon=True)  # fmt: skip
        subscribed = threading.Event()
        self.collector.client.on_subscribe = lambda *_: subscribed.set()
        self.collector.start()
        assert subscribed.wait(10)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.collector.stop()
        self.buffer.close()


def test_json_samples_arrive_once(tmp_path: Path, broker: str, historian: Historian) -> None:
    running = Running(tmp_path, broker, historian, ["plant/#"])
    line = publisher(broker)
    for k in range(200):
        sample = {"tag": TAGS[0], "ts": f"2026-03-01T08:00:{k // 10:02d}.{k % 10}00Z",
                  "value": float(k), "quality": "uncertain" if k % 50 == 0 else "good"}  # fmt: skip
        line.publish("plant/l9/feeder1", json.dumps(sample), qos=1).wait_for_publish()
    line.publish("plant/l9/batch", json.dumps({"samples": [
        {"tag": TAGS[1], "ts": "2026-03-01T08:00:00Z", "value": 1.5},
        {"tag": TAGS[1], "ts": "2026-03-01T08:00:01Z", "value": None, "quality": "bad"},
    ]}), qos=1).wait_for_publish()  # fmt: skip
    wait_for(lambda: len(stored(TAGS[0])) == 200 and len(stored(TAGS[1])) == 2)
    running.close()
    assert [v for _, v, _ in stored(TAGS[0])] == [float(k) for k in range(200)]
    assert [q for _, _, q in stored(TAGS[0])].count(1) == 4  # uncertain
    assert stored(TAGS[1])[1][1:] == (None, 2)
    assert running.buffer.stats().buffered == 0


def _birth(seq: int, aliases: tuple[int, ...] = (0, 1, 2)) -> bytes:
    """The node's birth: its metrics (TAGS[alias] under each alias), each 0.0."""
    metrics = tuple(spb.Metric(timestamp=None, name=TAGS[k].replace(".", "/"), alias=k,
                               datatype=spb.DataType.DOUBLE, value=0.0)
                    for k in aliases)  # fmt: skip
    return spb.NBirth(timestamp=1772352000000, seq=seq, metrics=metrics).encode()


def _data(seq: int, at_ms: int, values: dict[int, float | None]) -> bytes:
    metrics = tuple(spb.Metric(timestamp=at_ms, name=None, alias=alias,
                               datatype=spb.DataType.DOUBLE, value=value, is_null=value is None)
                    for alias, value in values.items())  # fmt: skip
    return spb.NData(timestamp=at_ms, seq=seq, metrics=metrics).encode()


def _death() -> bytes:
    seq = spb.Metric(timestamp=None, name="bdSeq", datatype=spb.DataType.INT64, value=0)
    return spb.NDeath(timestamp=None, bd_seq_metric=seq).encode()


def test_sparkplug_aliases_and_a_death_as_an_explicit_gap(
    tmp_path: Path, broker: str, historian: Historian
) -> None:
    running = Running(tmp_path, broker, historian, ["spBv1.0/L9/#"])
    line = publisher(broker)
    line.publish("spBv1.0/L9/NBIRTH/edge1", _birth(0), qos=1).wait_for_publish()
    start = 1772352001000  # 2026-03-01T08:00:01Z
    for k in range(1, 31):
        payload = _data(k, start + k * 100, {0: 10.0 + k, 2: None if k == 7 else 600.0})
        line.publish("spBv1.0/L9/NDATA/edge1", payload, qos=1).wait_for_publish()
    line.publish("spBv1.0/L9/NDEATH/edge1", _death(),
                 qos=1).wait_for_publish()  # fmt: skip
    wait_for(lambda: len(stored(TAGS[0])) == 32)  # birth, 30 data, the gap
    running.close()
    flow = stored(TAGS[0])
    assert flow[0] == ("2026-03-01T08:00:00.000", 0.0, 0)  # the birth's value
    assert flow[1] == ("2026-03-01T08:00:01.100", 11.0, 0)
    assert flow[-1][1:] == (None, 2)  # the death: bad, no value
    speed = stored(TAGS[2])
    assert (None, 2) in [row[1:] for row in speed[1:-1]]  # the null metric: a bad sample
    assert len(speed) == 32


def _with_quality(payload: bytes, codes: dict[int, int]) -> bytes:
    """The payload with a `Quality` property (Int32, as Ignition sends it) on some metrics."""
    raw = RawPayload.FromString(payload)
    for index, code in codes.items():
        metric = raw.metrics[index]
        metric.properties.keys.append("Quality")
        value = metric.properties.values.add()
        value.type, value.int_value = spb.DataType.INT32, code
    return raw.SerializeToString()


def test_sparkplug_devices_their_qualities_and_a_device_death(
    tmp_path: Path, broker: str, historian: Historian
) -> None:
    """DBIRTH names a device's aliases, DDATA carries its values (a Quality property read as
    the sample's quality), DDEATH writes the device's gap; the node's own metrics go on."""
    running = Running(tmp_path, broker, historian, ["spBv1.0/L9/#"])
    line = publisher(broker)
    line.publish("spBv1.0/L9/NBIRTH/edge3", _birth(0, (2,)), qos=1).wait_for_publish()
    feeders = tuple(spb.Metric(timestamp=None, name=name.replace(".", "/"), alias=10 + k,
                               datatype=spb.DataType.DOUBLE, value=1.0)
                    for k, name in enumerate(TAGS[:2]))  # fmt: skip
    line.publish("spBv1.0/L9/DBIRTH/edge3/feeders",
                 spb.DBirth(timestamp=1772352000000, seq=1, metrics=feeders).encode(),
                 qos=1).wait_for_publish()  # fmt: skip
    at = 1772352001000  # 2026-03-01T08:00:01Z
    codes = [192, 64, 0, 0x80000000, 0x40000000, 0]  # good, uncertain, bad (DA and UA codes)
    for k, code in enumerate(codes):
        metrics = (
            spb.Metric(timestamp=at + k * 1000, name=None, alias=10, datatype=spb.DataType.DOUBLE,
                       value=float("nan") if k == 5 else 20.0 + k),
            spb.Metric(timestamp=at + k * 1000, name=None, alias=11, datatype=spb.DataType.DOUBLE,
                       value=30.0 + k),
        )  # fmt: skip
        payload = _with_quality(spb.DData(timestamp=at, seq=2 + k, metrics=metrics).encode(),
                                {0: code})  # fmt: skip
        line.publish("spBv1.0/L9/DDATA/edge3/feeders", payload, qos=1).wait_for_publish()
    line.publish(
        "spBv1.0/L9/DDEATH/edge3/feeders", spb.DDeath(timestamp=at + 9000, seq=9).encode(), qos=1
    ).wait_for_publish()
    line.publish("spBv1.0/L9/NDATA/edge3", _data(10, at + 10_000, {2: 700.0}),
                 qos=1).wait_for_publish()  # the node lives on  # fmt: skip
    wait_for(lambda: len(stored(TAGS[0])) == 8 and len(stored(TAGS[2])) == 2)
    running.close()
    one = stored(TAGS[0])
    assert one[0][1:] == (1.0, 0)  # the device's birth
    assert [row[1:] for row in one[1:7]] == [
        (20.0, 0), (21.0, 1), (22.0, 2), (23.0, 2), (24.0, 1), (None, 2)
    ]  # fmt: skip
    assert one[7] == ("2026-03-01T08:00:10.000", None, 2)  # the device's death: a gap
    two = [row[1:] for row in stored(TAGS[1])]
    assert two[1:7] == [(30.0 + k, 0) for k in range(6)]  # no Quality property: good
    assert two[7] == (None, 2)
    assert [row[1:] for row in stored(TAGS[2])] == [(0.0, 0), (700.0, 0)]
    # Births and the death match the data topic too, and are read once: 3 + 12 + 2 + 1.
    assert running.collector.received == 18
    assert sum(IngestBatch.objects.values_list("duplicate_count", flat=True)) == 0


def test_an_alias_no_birth_named_is_kept_and_a_rebirth_asked(
    tmp_path: Path, broker: str, historian: Historian
) -> None:
    running = Running(tmp_path, broker, historian, ["spBv1.0/L9/#", "plant/#"])
    line = publisher(broker)
    commands: list[str] = []
    line.on_message = lambda _c, _u, message: commands.append(message.topic)
    line.subscribe("spBv1.0/L9/NCMD/#", qos=1)
    time.sleep(0.3)
    line.publish("spBv1.0/L9/NDATA/edge2", _data(1, 1772352001000, {0: 1.0}),
                 qos=1).wait_for_publish()  # fmt: skip
    line.publish("plant/garbage", b"not json", qos=1).wait_for_publish()
    odd = {"tag": TAGS[0], "ts": "2026-03-01T08:00:00Z", "value": 1.0, "quality": "meh"}
    line.publish("plant/odd", json.dumps(odd), qos=1).wait_for_publish()
    kept = tmp_path / "unreadable.jsonl"
    wait_for(lambda: kept.exists() and kept.read_text().count("\n") == 3)
    wait_for(lambda: commands == ["spBv1.0/L9/NCMD/edge2"])
    running.close()
    assert "named by no BIRTH" in kept.read_text()


def test_shared_subscriptions_split_the_data_and_every_collector_sees_births(
    tmp_path: Path, broker: str, historian: Historian
) -> None:
    one = Running(tmp_path / "a", broker, historian, ["spBv1.0/L9/#"], "collector-a", "hist")
    two = Running(tmp_path / "b", broker, historian, ["spBv1.0/L9/#"], "collector-b", "hist")
    line = publisher(broker)
    line.publish("spBv1.0/L9/NBIRTH/edge1", _birth(0), qos=1).wait_for_publish()
    time.sleep(0.5)  # both have the aliases
    for k in range(1, 201):
        payload = _data(k, 1772352001000 + k * 10, {1: float(k)})
        line.publish("spBv1.0/L9/NDATA/edge1", payload, qos=1).wait_for_publish()
    wait_for(lambda: len(stored(TAGS[1])) == 201)
    one.close()
    two.close()
    assert one.collector.received > 20
    assert two.collector.received > 20
    assert [v for _, v, _ in stored(TAGS[1])] == [0.0] + [float(k) for k in range(1, 201)]


def test_a_full_buffer_holds_messages_unacknowledged_and_loses_none(
    tmp_path: Path, broker: str, historian: Historian
) -> None:
    """The historian is away and the buffer fills: the collector stops acknowledging (the
    broker keeps the rest); once the historian is back, every message arrives once."""
    away = Historian(url="http://127.0.0.1:9", token=historian.token, source=historian.source,
                     timeout=1)  # fmt: skip
    running = Running(tmp_path, broker, away, ["plant/#"], max_bytes=8_000)
    line = publisher(broker)
    for k in range(400):
        sample = {"tag": TAGS[0], "ts": f"2026-03-01T10:{k // 60:02d}:{k % 60:02d}Z",
                  "value": float(k)}  # fmt: skip
        line.publish("plant/l9/feeder1", json.dumps(sample), qos=1)
    wait_for(lambda: "not stored" in caplog_text(running))
    held = running.buffer.stats().buffered
    assert 20 < held < 400  # the buffer is full; the rest waits at the broker
    running.forwarder.historian = historian  # the historian is back
    wait_for(lambda: len(stored(TAGS[0])) == 400, seconds=120)  # after the retry pause
    running.close()
    assert [v for _, v, _ in stored(TAGS[0])] == [float(k) for k in range(400)]


def caplog_text(running: Running) -> str:
    """What the collector last said about its buffer (it waits while it is full)."""
    return running.collector.last_full


COLLECTOR = [sys.executable, "manage.py", "collect", "mqtt", "--topics", "plant/#",
             "--name", "collector-k", "--batch", "200"]  # fmt: skip


def test_a_collector_killed_mid_stream_resumes_its_session_and_loses_nothing(
    tmp_path: Path, broker: str, historian: Historian
) -> None:
    env = {**os.environ, "LEDGERLINE_COLLECTOR_TOKEN": historian.token}
    args = [*COLLECTOR, "--broker", broker, "--buffer", str(tmp_path / "buffer"),
            "--historian", historian.url]  # fmt: skip
    first = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert first.stdout is not None
    assert "collecting into" in first.stdout.readline()
    time.sleep(1)  # subscribed
    line = publisher(broker)
    for k in range(3000):
        sample = {"tag": TAGS[2], "ts": f"2026-03-01T09:{k // 60:02d}:{k % 60:02d}Z",
                  "value": float(k)}  # fmt: skip
        line.publish("plant/l9/blender", json.dumps(sample), qos=1)
        if k == 1500:
            os.kill(first.pid, signal.SIGKILL)  # mid-stream, batches in flight
            first.wait()
    time.sleep(0.5)
    second = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(stored(TAGS[2])) >= 3000, seconds=90)
        time.sleep(1)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert [v for _, v, _ in stored(TAGS[2])] == [float(k) for k in range(3000)]


def test_the_line_simulator_publishes_for_a_collector(
    tmp_path: Path, broker: str, historian: Historian
) -> None:
    """What `make demo` runs: simulate_line --via mqtt, a collector forwarding it."""
    from django.core.management import call_command

    from historian.management.commands.simulate_line import ensure_line

    ensure_line("LM")
    running = Running(tmp_path, broker, historian, ["plant/#"])
    args = ["--line", "LM", "--start", "2026-03-02T00:00:00Z", "--hours", "0.01"]
    call_command("simulate_line", *args, "--via", "mqtt", "--broker", broker, "--quiet",
                 stdout=io.StringIO())  # fmt: skip
    wait_for(lambda: len(stored("LM.FEEDER1.MASSFLOW")) == 36)
    running.close()
