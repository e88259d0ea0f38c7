"""Collector benchmarks (issue: collectors with store-and-forward). Figures beside the
historian's REST ingest measured in the same run, through the same production server.

1. REST direct: requests of 10,000 JSON samples, one connection, one after another (as one
   collector's forwarder sends) — the baseline.
2. MQTT → collector → historian: JSON messages of 100 samples at QoS 1 to a Mosquitto of
   the run's own; the collector buffers (fsync per message) and forwards batches of 10,000;
   from the first message published to the last sample stored.
3. OPC UA → collector → historian: an asyncua server changing 50 variables; the collector's
   subscription, buffer (fsync every 100 ms) and forwarder; from the first change written to
   the last sample stored.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

MQTT_VALUES = int(os.environ.get("BENCH_COLLECT_MQTT_VALUES", "200000"))
OPCUA_VALUES = int(os.environ.get("BENCH_COLLECT_OPCUA_VALUES", "20000"))
REST_VALUES = int(os.environ.get("BENCH_COLLECT_REST_VALUES", "200000"))
TAGS = 50
START = datetime(2026, 2, 1, tzinfo=UTC)


def _stored(prefix: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM historian_sample s JOIN historian_tag t ON t.id = s.tag_id "
            "WHERE t.name LIKE %s",
            [prefix + ".%"],
        )
        return int(cursor.fetchone()[0])


def _wait_stored(prefix: str, count: int, seconds: float = 600) -> float:
    deadline = time.monotonic() + seconds
    while _stored(prefix) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{prefix}: {_stored(prefix)} of {count} stored in {seconds} s")
        time.sleep(0.05)
    return time.monotonic()


def _samples(prefix: str, first: int, count: int) -> list[dict[str, Any]]:
    return [{"tag": f"{prefix}.T{n % TAGS:03d}",
             "ts": (START + timedelta(milliseconds=10 * (n // TAGS))).isoformat(),
             "value": float(n % 997)} for n in range(first, first + count)]  # fmt: skip


def _server() -> tuple[subprocess.Popen[bytes], str]:
    from bench.historian.common import free_port, serving, start_gunicorn

    port = free_port()
    server = start_gunicorn(port)
    if not serving(port, 60):
        server.terminate()
        raise RuntimeError("gunicorn did not start within 60 s")
    return server, f"http://127.0.0.1:{port}"


def rest(url: str, key: str) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for k in range(0, REST_VALUES, 10_000):
        body = {"source": "bench-rest", "ingest_key": f"rest-{k}",
                "samples": _samples("CR", k, min(10_000, REST_VALUES - k))}  # fmt: skip
        answer = session.post(f"{url}/api/v1/historian/samples/", json=body,
                              headers={"Authorization": f"Token {key}"}, timeout=300)  # fmt: skip
        assert answer.status_code == 201, answer.text[:300]
    return REST_VALUES / (time.perf_counter() - started)


def mqtt(url: str, key: str, directory: Path) -> float:
    import paho.mqtt.client as paho

    from collectors.buffer import Buffer
    from collectors.forwarder import Forwarder, Historian
    from collectors.mqtt import MqttCollector
    from collectors.run import forward_until_stopped
    from tests.collectors.broker import start_mosquitto

    broker, port = start_mosquitto(directory)
    buffer = Buffer(directory / "mqtt", collector="bench-mqtt")
    lock = threading.Lock()
    collector = MqttCollector(buffer, broker=f"mqtt://127.0.0.1:{port}", topics=["plant/#"],
                              client_id="bench-mqtt", lock=lock)  # fmt: skip
    forwarder = Forwarder(buffer, Historian(url=url, token=key, source="bench-mqtt"), lock=lock)
    stop = threading.Event()
    thread = threading.Thread(target=forward_until_stopped, args=(forwarder, stop), daemon=True)
    subscribed = threading.Event()
    collector.client.on_subscribe = lambda *_: subscribed.set()
    collector.start()
    subscribed.wait(10)
    thread.start()
    line = paho.Client(client_id="bench-line", protocol=paho.MQTTv5)
    line.max_inflight_messages_set(1000)
    line.connect("127.0.0.1", port)
    line.loop_start()
    try:
        started = time.monotonic()
        for k in range(0, MQTT_VALUES, 100):
            line.publish("plant/line", json.dumps(_samples("CM", k, 100)), qos=1)
        finished = _wait_stored("CM", MQTT_VALUES)
    finally:
        line.loop_stop()
        stop.set()
        thread.join(30)
        collector.stop()
        buffer.close()
        broker.terminate()
    return MQTT_VALUES / (finished - started)


def opcua(url: str, key: str, directory: Path) -> float:
    from asyncua import ua
    from asyncua.server.server import Server

    from bench.historian.common import free_port
    from collectors.buffer import Buffer
    from collectors.forwarder import Forwarder, Historian
    from collectors.opcua import OpcUaCollector, OpcUaThread
    from collectors.run import forward_until_stopped

    port = free_port()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def run(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(600)

    server = Server()
    variables: list[Any] = []

    async def start() -> None:
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench/")
        index = await server.register_namespace("urn:ledgerline:bench")
        line = await server.nodes.objects.add_object(index, "Line")
        for n in range(TAGS):
            variable = await line.add_variable(ua.NodeId(f"CO.T{n:03d}", index), f"T{n}", 0.0)
            await variable.write_value(ua.DataValue(Value=ua.Variant(0.0, ua.VariantType.Double),
                                                    SourceTimestamp=START,
                                                    ServerTimestamp=START))  # fmt: skip
            variables.append(variable)
        await server.start()

    async def change() -> None:
        for k in range(TAGS, OPCUA_VALUES + TAGS):
            at = START + timedelta(milliseconds=10 * (k // TAGS))
            await variables[k % TAGS].write_value(ua.DataValue(
                Value=ua.Variant(float(k), ua.VariantType.Double), SourceTimestamp=at,
                ServerTimestamp=at))  # fmt: skip
            if k % 500 == 0:
                await asyncio.sleep(0)

    run(start())
    buffer = Buffer(directory / "opcua", collector="bench-opcua")
    lock = threading.Lock()
    nodes = {v.nodeid.to_string(): f"CO.T{n:03d}" for n, v in enumerate(variables)}
    collector = OpcUaCollector(buffer, endpoint=f"opc.tcp://127.0.0.1:{port}/bench/",
                               nodes=nodes, lock=lock)  # fmt: skip
    source = OpcUaThread(collector)
    forwarder = Forwarder(buffer, Historian(url=url, token=key, source="bench-opcua"), lock=lock)
    stop = threading.Event()
    thread = threading.Thread(target=forward_until_stopped, args=(forwarder, stop), daemon=True)
    source.start()
    thread.start()
    try:
        _wait_stored("CO", TAGS, 60)  # subscribed: the first values stored
        started = time.monotonic()
        run(change())
        finished = _wait_stored("CO", OPCUA_VALUES + TAGS)
    finally:
        source.stop()
        stop.set()
        thread.join(30)
        buffer.close()
        run(server.stop())
        loop.call_soon_threadsafe(loop.stop)
    return OPCUA_VALUES / (finished - started)


def run() -> None:
    from bench.historian.common import bench_account, bench_tags

    for prefix in ("CR", "CM", "CO"):
        bench_tags(prefix, TAGS)
    _, key = bench_account("bench-collectors")
    server, url = _server()
    print(f"== collectors: MQTT and OPC UA through a collector into the historian "
          f"(gunicorn, {os.cpu_count()} workers), {TAGS} tags ==")  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as directory:
            base = rest(url, key)
            print(f"REST direct, requests of 10,000, one connection: {base:,.0f} values/s "
                  "(the baseline of this run)")  # fmt: skip
            through_mqtt = mqtt(url, key, Path(directory))
            print(
                f"MQTT -> collector -> historian ({MQTT_VALUES:,} values, messages of 100, "
                f"QoS 1): {through_mqtt:,.0f} values/s = {through_mqtt / base:.2f}x REST"
            )
            through_opcua = opcua(url, key, Path(directory))
            print(f"OPC UA -> collector -> historian ({OPCUA_VALUES:,} changes of {TAGS} nodes): "
                  f"{through_opcua:,.0f} values/s = {through_opcua / base:.2f}x REST")  # fmt: skip
    finally:
        server.terminate()
        server.wait(30)
    sys.stdout.flush()
