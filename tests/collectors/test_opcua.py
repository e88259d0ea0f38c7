"""The OPC UA collector with a real asyncua server (started here) and a live historian:
source timestamps and Good/Uncertain/Bad kept; after the collector's own downtime the values
it missed are read back from the server's history; where the server keeps none — and after
the server restarts — the gap is a bad sample without a value and a line in gaps.jsonl."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asyncua import ua
from asyncua.server.server import Server
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import CommandError, call_command
from django.db import connection

from audit.actors import SystemActor
from bench.historian.common import free_port
from collectors.buffer import Buffer
from collectors.forwarder import Forwarder, Historian
from collectors.opcua import (
    OpcUaCollector,
    OpcUaThread,
    Security,
    overflowed,
    quality,
    read_nodes,
)
from collectors.run import forward_until_stopped
from historian.services import tag_create
from tests.collectors.broker import wait_for as waiting

pytestmark = pytest.mark.django_db(transaction=True)
FLOW = "L9.FEEDER1.MASSFLOW"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


class Secure:
    """A server's certificate and key, and the client certificates it trusts."""

    def __init__(self, directory: Path) -> None:
        self.certificate, self.key = directory / "server.der", directory / "server.pem"
        Security(policy="Basic256Sha256", certificate=self.certificate, private_key=self.key,
                 application_uri="urn:ledgerline:test:server").make_certificate()  # fmt: skip
        self.trusted: list[bytes] = []

    async def validate(self, certificate: Any, _: Any) -> None:
        if certificate.public_bytes(Encoding.DER) not in self.trusted:
            raise ua.uaerrors.BadCertificateUntrusted


class UaServer:
    """An OPC UA server with one variable, on its own event loop in a thread."""

    def __init__(self, port: int, *, history: bool, secure: Secure | None = None) -> None:
        self.port, self.history, self.secure = port, history, secure
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.run(self._start())

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    async def _start(self) -> None:
        self.server = Server()
        await self.server.init()
        self.server.set_endpoint(f"opc.tcp://127.0.0.1:{self.port}/ledgerline/")
        if self.secure is not None:  # signed and encrypted only, for trusted clients only
            self.server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
            await self.server.load_certificate(str(self.secure.certificate))
            await self.server.load_private_key(str(self.secure.key))
            self.server.set_certificate_validator(self.secure.validate)
        index = await self.server.register_namespace("urn:ledgerline:test")
        line = await self.server.nodes.objects.add_object(index, "L9")
        self.flow = await line.add_variable(ua.NodeId("L9.FLOW", index), "Flow", 0.0)
        self.node_id = self.flow.nodeid.to_string()
        await self.flow.write_value(
            ua.DataValue(  # the line's first value, at T0
                Value=ua.Variant(0.0, ua.VariantType.Double), SourceTimestamp=T0, ServerTimestamp=T0
            )
        )
        await self.server.start()
        if self.history:
            # kept without a time limit (asyncua drops values older than a week by default)
            await self.server.historize_node_data_change(self.flow, period=None, count=0)

    def write(self, value: float, at: datetime, status: int = ua.StatusCodes.Good) -> None:
        data = ua.DataValue(Value=ua.Variant(value, ua.VariantType.Double),
                            StatusCode=ua.StatusCode(status), SourceTimestamp=at,
                            ServerTimestamp=at)  # fmt: skip
        self.run(self.flow.write_value(data))

    def kept(self) -> list[float]:
        """The values the server's history holds (it records them a moment after a write)."""
        storage = self.server.iserver.history_manager.storage
        kept, _ = self.run(storage.read_node_history(self.flow.nodeid, T0, T0 + timedelta(1), 0))
        return [data.Value.Value for data in kept]

    def hold_history(self, count: int) -> list[Any]:
        """The last `count` values taken out of the server's history, as if it had not yet
        recorded them (a server writes its history a moment after a change)."""

        async def take() -> list[Any]:
            kept = self.server.iserver.history_manager.storage._datachanges[self.flow.nodeid]
            held = kept[-count:]
            del kept[-count:]
            return held

        return list(self.run(take()))

    def release_history(self, held: list[Any]) -> None:
        async def give() -> None:
            self.server.iserver.history_manager.storage._datachanges[self.flow.nodeid] += held

        self.run(give())

    def stop(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def historian(live_server: Any, make_service_account: Any) -> Historian:
    tag_create(actor=SystemActor("system:test"), name=FLOW, equipment="L9/FEEDER1")
    _, key = make_service_account("collector-ua")
    return Historian(url=live_server.url, token=key, source="collector-ua")


def stored() -> list[tuple[str, Any, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_char(s.ts AT TIME ZONE 'UTC', 'HH24:MI:SS.US'), s.value_num, s.quality "
            "FROM historian_sample s JOIN historian_tag t ON t.id = s.tag_id "
            "WHERE t.name = %s ORDER BY s.ts",
            [FLOW],
        )
        return list(cursor.fetchall())


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    waiting(condition, seconds, detail=lambda: f"; stored {stored()}")


class Running:
    def __init__(self, directory: Path, server: UaServer, historian: Historian,
                 security: Security | None = None,
                 history_settle: float = 2.0) -> None:  # fmt: skip
        self.buffer = Buffer(directory, collector="collector-ua")
        lock = threading.Lock()
        self.collector = OpcUaCollector(self.buffer, endpoint=f"opc.tcp://127.0.0.1:"
                                        f"{server.port}/ledgerline/",
                                        nodes={server.node_id: FLOW}, lock=lock,
                                        security=security,
                                        history_settle=history_settle)  # fmt: skip
        self.source = OpcUaThread(self.collector)
        self.forwarder = Forwarder(self.buffer, historian, batch_values=100, lock=lock)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=forward_until_stopped,
                                       args=(self.forwarder, self.stop), daemon=True)  # fmt: skip
        self.source.start()
        self.thread.start()

    def close(self) -> None:
        self.source.stop()
        self.stop.set()
        self.thread.join(10)
        self.buffer.close()


@pytest.fixture
def servers() -> Iterator[list[UaServer]]:
    started: list[UaServer] = []
    yield started
    for server in started:
        if server.thread.is_alive():
            server.stop()


def test_source_times_and_statuses_arrive(
    tmp_path: Path, port: int, historian: Historian, servers: list[UaServer]
) -> None:
    server = UaServer(port, history=False)
    servers.append(server)
    running = Running(tmp_path, server, historian)
    wait_for(lambda: running.collector.received >= 1)  # subscribed: the initial value
    statuses = {3: ua.StatusCodes.UncertainLastUsableValue, 5: ua.StatusCodes.BadSensorFailure}
    for k in range(1, 21):
        server.write(float(k), T0 + timedelta(milliseconds=250 * k),
                     statuses.get(k, ua.StatusCodes.Good))  # fmt: skip
    wait_for(lambda: len(stored()) >= 21)
    running.close()
    rows = {row[0]: row[1:] for row in stored()}
    assert rows["08:00:00.250000"] == (1.0, 0)
    assert rows["08:00:00.750000"] == (3.0, 1)  # uncertain
    assert rows["08:00:01.250000"][1] == 2  # bad (the server sends no value with it)
    assert rows["08:00:05.000000"] == (20.0, 0)


def down_while_the_line_goes_on(
    directory: Path, port: int, historian: Historian, servers: list[UaServer], up: int, to: int
) -> UaServer:
    """A server keeping history; a collector stores its values 1..`up` (one a second from
    T0), then stops while the line writes up+1..`to`, which the server's history then holds."""
    server = UaServer(port, history=True)
    servers.append(server)
    running = Running(directory, server, historian)
    wait_for(lambda: running.collector.received >= 1)
    for k in range(1, up + 1):
        server.write(float(k), T0 + timedelta(seconds=k))
    wait_for(lambda: len(stored()) == up + 1)  # with the initial value, at T0
    running.close()  # the collector is down; the line goes on
    for k in range(up + 1, to + 1):
        server.write(float(k), T0 + timedelta(seconds=k))
    wait_for(lambda: server.kept()[-1:] == [float(to)])
    return server


def test_history_fills_the_collectors_own_downtime(
    tmp_path: Path, port: int, historian: Historian, servers: list[UaServer]
) -> None:
    server = down_while_the_line_goes_on(tmp_path, port, historian, servers, 10, 20)
    running = Running(tmp_path, server, historian)
    wait_for(lambda: len([r for r in stored() if r[0] >= "08:00:01"]) == 20)
    running.close()
    assert [r[1:] for r in stored() if r[0] >= "08:00:01"] == [(float(k), 0) for k in range(1, 21)]
    assert not (tmp_path / "gaps.jsonl").exists()


def test_history_the_server_records_late_is_read_again(
    tmp_path: Path, port: int, historian: Historian, servers: list[UaServer]
) -> None:
    """The server had not yet recorded its last changes when the collector, back from its
    downtime, read the history: the one before the current value is neither in that read nor
    in the subscription (which starts at the current value). The collector reads the history
    again once it has settled, and the value arrives."""
    server = down_while_the_line_goes_on(tmp_path, port, historian, servers, 5, 12)
    held = server.hold_history(2)  # 11 and 12 not recorded yet; 12 is the current value
    running = Running(tmp_path, server, historian, history_settle=5.0)
    wait_for(lambda: running.collector.received >= 6)  # 6..10 from history, 12 live
    server.release_history(held)  # ...and now the server has recorded them
    wait_for(lambda: len(stored()) == 13)
    running.close()
    assert [r[1] for r in stored()] == [float(k) for k in range(13)]


def test_without_history_a_restart_records_the_gap(
    tmp_path: Path, port: int, historian: Historian, servers: list[UaServer]
) -> None:
    server = UaServer(port, history=False)
    servers.append(server)
    running = Running(tmp_path, server, historian)
    wait_for(lambda: running.collector.received >= 1)
    for k in range(1, 6):
        server.write(float(k), T0 + timedelta(seconds=k))
    wait_for(lambda: len([r for r in stored() if r[0] >= "08:00:01"]) == 5)
    server.stop()  # the server restarts (a new one on the same port, no history)
    for_a_while = time.monotonic() + 2
    wait_for(lambda: time.monotonic() > for_a_while)
    server = UaServer(port, history=False)
    servers.append(server)
    wait_for(lambda: (tmp_path / "gaps.jsonl").exists(), seconds=60)  # reconnected
    server.write(42.0, T0 + timedelta(seconds=30))
    wait_for(lambda: any(r[1] == 42.0 for r in stored()), seconds=60)
    running.close()
    after = [r for r in stored() if r[0] > "08:00:05.000000"]
    assert after[0] == ("08:00:05.000001", None, 2)  # the gap: bad, no value, after the last
    gap = json.loads((tmp_path / "gaps.jsonl").read_text().splitlines()[0])
    assert gap["tag"] == FLOW
    assert "no history" in gap["reason"]


COLLECTOR = [sys.executable, "manage.py", "collect", "opcua", "--name", "collector-ua",
             "--batch", "200"]  # fmt: skip


def test_a_collector_killed_mid_stream_reads_the_rest_from_history(
    tmp_path: Path, port: int, historian: Historian, servers: list[UaServer]
) -> None:
    """SIGKILL while the line changes 200 times a second: values the collector had stored
    are sent, those it had not are read from the server's history on restart; each once."""
    server = UaServer(port, history=True)
    servers.append(server)
    (tmp_path / "nodes.csv").write_text(f"{server.node_id},{FLOW}\n")
    args = [*COLLECTOR, "--endpoint", f"opc.tcp://127.0.0.1:{port}/ledgerline/",
            "--nodes", str(tmp_path / "nodes.csv"), "--buffer", str(tmp_path / "buffer"),
            "--historian", historian.url]  # fmt: skip
    env = {**os.environ, "LEDGERLINE_COLLECTOR_TOKEN": historian.token}

    def collector() -> subprocess.Popen[str]:
        with (tmp_path / "collector.log").open("a") as log:  # the child keeps its own copy
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log, text=True)
        waiting(lambda: (tmp_path / "collector.log").read_text().count("collecting into")
                        > len(started))  # fmt: skip
        started.append(process)
        return process

    started: list[subprocess.Popen[str]] = []
    changes = 1600

    def line() -> None:
        began = time.monotonic()
        for k in range(1, changes + 1):
            server.write(float(k), T0 + timedelta(milliseconds=10 * k))
            time.sleep(max(0.0, began + k / 200 - time.monotonic()))

    first = collector()
    wait_for(lambda: len(stored()) >= 1)  # subscribed: the initial value arrived
    writer = threading.Thread(target=line)
    writer.start()
    try:
        time.sleep(3)
        os.kill(first.pid, signal.SIGKILL)  # mid-stream: values and batches in flight
        first.wait()
        time.sleep(2)
        second = collector()
        writer.join()
        wait_for(lambda: len(stored()) >= changes + 1, seconds=90)
        time.sleep(1)  # nothing more arrives
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    assert [r[1] for r in stored()] == [float(k) for k in range(changes + 1)]
    assert second.returncode == 0
    assert not (tmp_path / "buffer" / "gaps.jsonl").exists()


def test_a_full_buffer_waits_and_loses_nothing(
    tmp_path: Path, port: int, historian: Historian, servers: list[UaServer]
) -> None:
    """The stated policy: a full buffer refuses new values and drops nothing stored; the
    collector waits (the server's queue holds the changes) until the forwarder makes room."""
    server = UaServer(port, history=False)
    servers.append(server)
    buffer = Buffer(tmp_path, collector="collector-ua", max_bytes=32_768)
    collector = OpcUaCollector(buffer, endpoint=f"opc.tcp://127.0.0.1:{port}/ledgerline/",
                               nodes={server.node_id: FLOW}, lock=threading.Lock())  # fmt: skip
    source = OpcUaThread(collector)
    source.start()
    try:
        wait_for(lambda: collector.received >= 1)
        for k in range(1, 1001):  # ~96 bytes each on disk: three times what the buffer holds
            server.write(float(k), T0 + timedelta(milliseconds=10 * k))
        wait_for(lambda: "publishing paused" in collector.last_error)
        assert collector.paused  # asked of the server; the session stays alive
        assert buffer.bytes_on_disk() <= 32_768
        assert stored() == []  # the historian has not been sent anything yet
        stop = threading.Event()  # the historian is back: a forwarder makes room
        forwarder = Forwarder(buffer, historian, batch_values=100, lock=collector.lock)
        threading.Thread(target=forward_until_stopped, args=(forwarder, stop)).start()
        try:
            wait_for(lambda: len(stored()) >= 1001)
        finally:
            stop.set()
    finally:
        source.stop()
        buffer.close()
    assert [r[1] for r in stored()] == [float(k) for k in range(1001)]


def test_a_secure_server_takes_a_trusted_collector_only(
    tmp_path: Path, port: int, historian: Historian, servers: list[UaServer]
) -> None:
    """Basic256Sha256 SignAndEncrypt: the collector makes its certificate (key 0600), the
    server trusts it and the values arrive; an untrusted collector, an anonymous one and one
    trusting another server's certificate get nothing."""
    secure = Secure(tmp_path)
    server = UaServer(port, history=False, secure=secure)
    servers.append(server)

    def security(name: str, server_certificate: Path = secure.certificate) -> Security:
        made = Security(policy="Basic256Sha256", mode="SignAndEncrypt",
                        certificate=tmp_path / f"{name}.der", private_key=tmp_path / f"{name}.pem",
                        server_certificate=server_certificate,
                        application_uri=f"urn:ledgerline:collector:{name}")  # fmt: skip
        made.check()
        assert made.make_certificate()
        return made

    trusted = security("trusted")
    assert (tmp_path / "trusted.pem").stat().st_mode & 0o777 == 0o600
    secure.trusted.append((tmp_path / "trusted.der").read_bytes())
    (tmp_path / "other-server").mkdir()
    other = Secure(tmp_path / "other-server")
    refused = {
        "untrusted": security("untrusted"),
        "anonymous": Security(),
        "wrong server": security("pinning", server_certificate=other.certificate),
    }
    for k, (name, setting) in enumerate(refused.items()):
        stranger = Running(tmp_path / f"refused-{k}", server, historian, setting)
        wait_for(lambda stranger=stranger: stranger.collector.last_error != "")  # type: ignore[misc]
        stranger.close()
        assert stranger.collector.received == 0, name
    running = Running(tmp_path / "trusted", server, historian, trusted)
    wait_for(lambda: running.collector.received >= 1)
    server.write(7.0, T0 + timedelta(seconds=7))
    wait_for(lambda: any(r[1] == 7.0 for r in stored()))
    running.close()
    assert [r[1] for r in stored()] == [0.0, 7.0]  # the trusted collector's values only


def test_an_incomplete_security_setting_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERLINE_COLLECTOR_TOKEN", "llt_unused")
    (tmp_path / "nodes.csv").write_text("ns=2;s=F,L9.FEEDER1.MASSFLOW\n")
    with pytest.raises(CommandError, match="--security: a secure connection needs"):
        call_command("collect", "opcua", "--endpoint", "opc.tcp://127.0.0.1:4840/",
                     "--nodes", str(tmp_path / "nodes.csv"), "--name", "c1",
                     "--buffer", str(tmp_path / "buffer"), "--historian", "http://127.0.0.1:9",
                     "--security", "Basic256Sha256,SignAndEncrypt")  # fmt: skip
    assert not (tmp_path / "buffer").exists()  # bad input changed nothing
    with pytest.raises(ValueError, match="unknown security policy"):
        Security(policy="Basic128Rsa15").check()
    with pytest.raises(ValueError, match="needs --certificate"):
        Security(policy="Basic256Sha256").check()
    with pytest.raises(ValueError, match="no server certificate at"):
        Security(policy="Basic256Sha256", certificate=tmp_path / "c.der",
                 private_key=tmp_path / "c.pem",
                 server_certificate=tmp_path / "missing.der").check()  # fmt: skip


def test_a_queue_overflow_the_server_reports_is_written_as_a_gap(tmp_path: Path) -> None:
    """A value with the Overflow bit: the server discarded values before it; the collector
    writes a bad sample without a value after the last it has, and says why in gaps.jsonl."""
    buffer = Buffer(tmp_path, collector="collector-ua")
    collector = OpcUaCollector(buffer, endpoint="opc.tcp://unused", nodes={"ns=2;s=F": FLOW})

    class Notification:
        def __init__(self, value: float, at: datetime, status: int) -> None:
            self.monitored_item = type("Item", (), {})()
            self.monitored_item.Value = ua.DataValue(
                Value=ua.Variant(value, ua.VariantType.Double),
                StatusCode=ua.StatusCode(status), SourceTimestamp=at)  # fmt: skip

    node = type("Node", (), {"nodeid": ua.NodeId.from_string("ns=2;s=F")})()
    collector.datachange_notification(node, None, Notification(1.0, T0, ua.StatusCodes.Good))
    overflow = ua.StatusCodes.Good | 0x0400 | 0x0080  # InfoType DataValue, Overflow
    collector.datachange_notification(node, None, Notification(9.0, T0 + timedelta(1), overflow))
    assert overflowed(ua.StatusCode(overflow))
    assert not overflowed(ua.StatusCode(ua.StatusCodes.Good | 0x0080))  # not a DataValue info
    assert [(v.ts, v.value, v.quality) for _, v in collector.pending] == [
        ("2026-03-01T08:00:00.000000+00:00", 1.0, "good"),
        ("2026-03-01T08:00:00.000001+00:00", None, "bad"),  # the gap
        ("2026-03-02T08:00:00.000000+00:00", 9.0, "good"),
    ]
    gap = json.loads((tmp_path / "gaps.jsonl").read_text())
    assert "overflowed" in gap["reason"]
    buffer.close()


def test_node_files_and_status_codes(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("node_id,tag\nns=2;s=L9.FLOW,L9.FEEDER1.MASSFLOW\n# a comment\n")
    assert read_nodes(nodes) == {"ns=2;s=L9.FLOW": "L9.FEEDER1.MASSFLOW"}
    nodes.write_text("ns=2;s=L9.FLOW\n")
    with pytest.raises(ValueError, match="line 1: expected node_id,tag"):
        read_nodes(nodes)
    assert quality(ua.StatusCode(ua.StatusCodes.Good)) == "good"
    assert quality(ua.StatusCode(ua.StatusCodes.UncertainInitialValue)) == "uncertain"
    assert quality(ua.StatusCode(ua.StatusCodes.BadCommunicationError)) == "bad"
