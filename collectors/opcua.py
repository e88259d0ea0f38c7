"""The OPC UA collector: subscribed nodes into the store-and-forward buffer.

- Each node (``--nodes FILE``: CSV lines ``node_id,tag``) is monitored with a server-side
  queue, so changes faster than the publishing interval are not folded away; the client's
  notification queue warns rather than drops when it overflows. Every value keeps its source
  timestamp (else the server's) and its status: Good, Uncertain and Bad map to the
  historian's qualities (the status code's severity bits).
- Notifications are gathered and appended to the buffer (fsync'd) every `flush_seconds`; the
  last time stored per node (the watermark) is written beside the buffer with them. While the
  buffer is full, the collector asks the server to pause publishing (SetPublishingMode): the
  server's queues hold the changes and the session stays alive; publishing resumes once the
  forwarder has made room. A value the server marks with the Overflow bit (its queue was
  full and it discarded older ones) writes the gap before it, as below.
- Security (``--security Basic256Sha256,SignAndEncrypt``): the collector signs (and encrypts)
  with its own certificate, made on first use when the files do not exist (the key 0600), for
  the server's administrator to trust; the server's certificate is pinned from a file, never
  taken from the endpoint on trust. A user name and password may be sent too.
- When the connection is lost (the server restarts, the network fails), the collector
  reconnects with a pause that doubles up to 30 s and subscribes again; then, and when it
  starts after its own downtime, it reads each node's history from its watermark to now
  (HistoryRead, after subscribing, so nothing falls between) where the server keeps
  history. Where it does not, the gap is recorded, not papered over: a bad sample without
  a value just after the watermark, and a line in ``gaps.jsonl`` saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import logging
import math
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asyncua import ua
from asyncua.client.client import Client
from asyncua.common.subscription import OverflowPolicy
from asyncua.crypto import security_policies
from asyncua.crypto.cert_gen import (
    dump_private_key_as_pem,
    generate_private_key,
    generate_self_signed_app_certificate,
)
from asyncua.ua.attribute_ids import AttributeIds
from asyncua.ua.uaerrors import UaError
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from collectors.buffer import Buffer, Value

log = logging.getLogger(__name__)
logging.getLogger("asyncua").setLevel(logging.WARNING)  # its INFO is every socket event
POLICIES = ("Basic256Sha256", "Aes128Sha256RsaOaep", "Aes256Sha256RsaPss")
QUEUE_SIZE = 10_000  # per monitored item, on the server
MAX_PAUSE = 30.0
HISTORY_SETTLE = 2.0  # seconds after subscribing before the history is read again


@dataclass(frozen=True)
class Security:
    """How the collector meets an OPC UA server that asks for more than anonymity."""

    policy: str = ""  # "Basic256Sha256", "Aes128Sha256RsaOaep", "Aes256Sha256RsaPss"; "" none
    mode: str = "SignAndEncrypt"  # or "Sign"
    certificate: Path | None = None  # the collector's (DER), made if missing
    private_key: Path | None = None  # its key (PEM), made if missing
    server_certificate: Path | None = None  # the server's, trusted
    application_uri: str = "urn:ledgerline:collector"
    username: str | None = None
    password: str | None = None

    def check(self) -> None:
        """Refuse an incomplete or unknown setting with what to give instead."""
        if not self.policy:
            return
        if self.policy not in POLICIES:  # Basic128Rsa15 and Basic256 are deprecated: weak
            raise ValueError(f"unknown security policy {self.policy!r}: use Basic256Sha256, "
                             "Aes128Sha256RsaOaep or Aes256Sha256RsaPss")  # fmt: skip
        if self.mode not in ("Sign", "SignAndEncrypt"):
            raise ValueError(f"unknown security mode {self.mode!r}: use Sign or SignAndEncrypt")
        if None in (self.certificate, self.private_key, self.server_certificate):
            raise ValueError("a secure connection needs --certificate, --private-key (made "
                             "when missing) and --server-certificate (the server's)")  # fmt: skip
        assert self.server_certificate is not None
        if not self.server_certificate.is_file():
            raise ValueError(f"no server certificate at {self.server_certificate}: export it "
                             "from the OPC UA server")  # fmt: skip

    def make_certificate(self) -> bool:
        """The collector's key and self-signed certificate, made when missing; whether made."""
        assert self.certificate is not None
        assert self.private_key is not None
        if self.certificate.exists() and self.private_key.exists():
            return False
        key = generate_private_key()
        descriptor = os.open(self.private_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(dump_private_key_as_pem(key))
        names = [x509.UniformResourceIdentifier(self.application_uri),
                 x509.DNSName(socket.gethostname())]  # fmt: skip
        certificate = generate_self_signed_app_certificate(
            key, "Ledgerline collector", {}, names, [ExtendedKeyUsageOID.CLIENT_AUTH], days=3650
        )
        self.certificate.write_bytes(certificate.public_bytes(Encoding.DER))
        return True

    async def apply(self, client: Client) -> None:
        if self.username:
            client.set_user(self.username)
            client.set_password(self.password or "")
        if not self.policy:
            return
        client.application_uri = self.application_uri
        await client.set_security(
            getattr(security_policies, f"SecurityPolicy{self.policy}"),
            str(self.certificate), str(self.private_key), None, str(self.server_certificate),
            getattr(ua.MessageSecurityMode, self.mode),
        )  # fmt: skip


def read_nodes(path: Path | str) -> dict[str, str]:
    """node id → tag, from CSV lines `node_id,tag` (a header line `node_id,tag` is allowed)."""
    nodes: dict[str, str] = {}
    with open(path, newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or row[0].startswith("#") or row == ["node_id", "tag"]:
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise ValueError(f"{path} line {number}: expected node_id,tag")
            nodes[row[0].strip()] = row[1].strip()
    if not nodes:
        raise ValueError(f"{path}: no node listed")
    return nodes


def quality(status: ua.StatusCode | None) -> str:
    """Good, Uncertain or Bad, from the status code's severity bits (30-31)."""
    severity = (status.value if status is not None else 0) >> 30
    return ("good", "uncertain", "bad", "bad")[severity]


def overflowed(status: ua.StatusCode | None) -> bool:
    """The Overflow bit of a data value's status (InfoType DataValue): the server's queue for
    the item was full and it discarded values before this one."""
    code = status.value if status is not None else 0
    return code & 0x0C00 == 0x0400 and bool(code & 0x0080)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def to_value(tag: str, data: ua.DataValue) -> Value:
    at = data.SourceTimestamp or data.ServerTimestamp or datetime.now(tz=UTC)
    raw = data.Value.Value if data.Value is not None else None
    if isinstance(raw, float) and not math.isfinite(raw):
        raw = None
    elif raw is not None and not isinstance(raw, bool | int | float | str):
        raw = str(raw)
    status = quality(data.StatusCode)
    return Value(tag, _iso(at), raw, "bad" if raw is None else status)


class OpcUaCollector:
    def __init__(
        self,
        buffer: Buffer,
        *,
        endpoint: str,
        nodes: dict[str, str],
        lock: threading.Lock | None = None,
        flush_seconds: float = 0.1,
        publishing_ms: float = 100.0,
        security: Security | None = None,
        history_settle: float = HISTORY_SETTLE,
    ) -> None:
        self.buffer = buffer
        self.security = security or Security()
        self.history_settle = history_settle
        self.endpoint = endpoint
        self.nodes = nodes
        self.lock = lock or threading.Lock()
        self.flush_seconds = flush_seconds
        self.publishing_ms = publishing_ms
        self.pending: list[tuple[str, Value]] = []  # (node id, value) not yet buffered
        self.watermarks_path = Path(buffer.directory) / "opcua-watermarks.json"
        self.watermarks: dict[str, str] = self._load_watermarks()
        self.lost = asyncio.Event()
        self.stopping = threading.Event()  # set by run()'s caller to end it
        self.last_error = ""
        self.received = 0
        self.paused = False  # publishing paused while the buffer is full
        self._first_live: dict[str, str] = {}

    # --- the subscription's handler ----------------------------------------------------

    def datachange_notification(self, node: Any, _: Any, data: Any) -> None:
        node_id = node.nodeid.to_string()
        tag = self.nodes.get(node_id)
        if tag is None:
            return
        value = to_value(tag, data.monitored_item.Value)
        self._first_live.setdefault(node_id, value.ts)
        # Looked for only on an overflow: the scan of what is gathered stays off the hot path.
        if overflowed(data.monitored_item.Value.StatusCode):
            previous = self._previous(node_id)
            if previous is not None:
                since = datetime.fromisoformat(previous) + timedelta(microseconds=1)
                self._gap(node_id, tag, since, "the server's queue overflowed: it discarded "
                          f"values of this node before {value.ts}")  # fmt: skip
        self.pending.append((node_id, value))

    def _previous(self, node_id: str) -> str | None:
        """The time of the node's last value gathered or stored."""
        for gathered, value in reversed(self.pending):
            if gathered == node_id:
                return value.ts
        return self.watermarks.get(node_id)

    def status_change_notification(self, status: Any) -> None:
        self.lost.set()

    # --- the loop -------------------------------------------------------------------------

    async def run(self, stop: threading.Event) -> None:
        self.stopping = stop
        pause = 0.0
        while not stop.is_set():
            client = Client(self.endpoint, timeout=4, watchdog_intervall=1.0)
            self.lost = asyncio.Event()
            client.connection_lost_callback = self._on_lost
            try:
                await self.security.apply(client)
                await client.connect()
                # Subscribed first, then the history read up to now: a change between the two
                # is in both (stored once: the historian counts an identical sample as a
                # duplicate), where the other order would miss it.
                subscription = await self._subscribe(client)
                read_to = await self._backfill(client)
                settled = time.monotonic() + self.history_settle
                pause = 0.0
                while not stop.is_set() and not self.lost.is_set():
                    await asyncio.sleep(self.flush_seconds)
                    if read_to and time.monotonic() >= settled:
                        await self._read_again(client, read_to)
                        read_to = {}
                    await self._flush_or_pause(subscription)
                self.flush()
            except Exception as exc:  # refused, timed out, a security failure: tried again
                self.last_error = f"OPC UA server {self.endpoint}: {exc!r}"
                log.warning("%s", self.last_error)
            finally:
                with contextlib.suppress(Exception):  # the connection may be gone already
                    await client.disconnect()
            if not stop.is_set():
                pause = min(MAX_PAUSE, max(0.5, pause * 2))
                await asyncio.sleep(pause)

    async def _on_lost(self, exc: Exception) -> None:
        self.last_error = f"connection to {self.endpoint} lost: {exc!r}"
        self.lost.set()

    async def _subscribe(self, client: Client) -> Any:
        subscription = await client.create_subscription(
            self.publishing_ms, self, queue_maxsize=0, overflow=OverflowPolicy.WARN
        )
        self.paused = False
        self._first_live = {}  # node → its first value since subscribing
        nodes = [client.get_node(node_id) for node_id in self.nodes]
        await subscription.subscribe_data_change(
            nodes, queuesize=QUEUE_SIZE, sampling_interval=ua.Double(0)
        )
        return subscription

    async def _backfill(self, client: Client) -> dict[str, str]:
        """From each node's watermark to now: the server's history, or an explicit gap. How
        far the history went for each node read from it."""
        read_to: dict[str, str] = {}
        now = datetime.now(tz=UTC)
        for node_id, tag in self.nodes.items():
            mark = self.watermarks.get(node_id)
            if mark is None:
                continue
            since = datetime.fromisoformat(mark) + timedelta(microseconds=1)
            node = client.get_node(node_id)
            keeps = await node.read_attribute(AttributeIds.Historizing)
            if keeps.Value is None or not keeps.Value.Value:  # the server keeps no history
                self._gap(node_id, tag, since, "no history on the server (Historizing false)")
                continue
            try:
                history = await node.read_raw_history(since, now)
            except UaError as exc:
                self._gap(node_id, tag, since, f"no history on the server ({exc!r})")
                continue
            values = [to_value(tag, data) for data in history
                      if data.SourceTimestamp is None
                      or _iso(data.SourceTimestamp) > mark]  # fmt: skip
            self.pending += [(node_id, value) for value in values]
            read_to[node_id] = max([mark, *(value.ts for value in values)])
        self.flush()
        return read_to

    async def _read_again(self, client: Client, read_to: dict[str, str]) -> None:
        """The history between where the first read ended and the first value the subscription
        brought, read once more: a server records its history a moment after a change, so a
        change just before the subscription began may not have been there yet. (Read twice,
        a value is stored once: the historian counts an identical sample as a duplicate.)"""
        for node_id, mark in read_to.items():
            live = self._first_live.get(node_id)
            if live is None or live <= mark:
                continue
            begin = datetime.fromisoformat(mark) + timedelta(microseconds=1)
            try:
                history = await client.get_node(node_id).read_raw_history(
                    begin, datetime.fromisoformat(live)
                )
            except UaError:
                continue  # the first read stands
            tag = self.nodes[node_id]
            self.pending += [(node_id, to_value(tag, data)) for data in history
                             if data.SourceTimestamp is not None
                             and mark < _iso(data.SourceTimestamp) < live]  # fmt: skip

    def _gap(self, node_id: str, tag: str, since: datetime, reason: str) -> None:
        self.pending.append((node_id, Value(tag, _iso(since), None, "bad")))
        entry = {"tag": tag, "node": node_id, "from": _iso(since),
                 "to": _iso(datetime.now(tz=UTC)), "reason": reason}  # fmt: skip
        with self.lock:
            self.buffer.keep("gaps.jsonl", entry)
        self.last_error = f"gap in {tag} from {entry['from']}: {reason}"

    # --- into the buffer ------------------------------------------------------------------

    def flush(self) -> bool:
        """The values gathered, appended (fsync'd) as far as the buffer has room, then the
        watermarks; whether all went in (what did not stays first in line, in memory: stopped
        now, the watermarks have moved only over what was stored, so the next start reads the
        rest again)."""
        if not self.pending:
            return True
        taken, self.pending = self.pending, []
        with self.lock:
            stored = self.buffer.append([value for _, value in taken], partial=True)
            full = "" if stored == len(taken) else self.buffer.full(len(taken) - stored)
        self.pending = taken[stored:] + self.pending
        self.received += stored
        for node_id, value in taken[:stored]:
            if value.ts > self.watermarks.get(node_id, ""):
                self.watermarks[node_id] = value.ts
        if stored:
            self._save_watermarks()
        if full:
            self.last_error = f"{full}; publishing paused until the forwarder makes room"
        return not full

    async def _flush_or_pause(self, subscription: Any) -> None:
        """Flush; while the buffer is full, the server is asked to stop publishing (its queues
        hold the changes, the session stays alive) and to go on once there is room."""
        full = not self.flush()
        if full != self.paused:
            await subscription.set_publishing_mode(not full)
            self.paused = full

    def _load_watermarks(self) -> dict[str, str]:
        if not self.watermarks_path.exists():
            return {}
        data = json.loads(self.watermarks_path.read_text())
        return {str(k): str(v) for k, v in data.items()}

    def _save_watermarks(self) -> None:
        temporary = self.watermarks_path.with_suffix(".tmp")
        with open(temporary, "w") as handle:
            json.dump(self.watermarks, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.watermarks_path)


class OpcUaThread:
    """The collector's asyncio loop in a thread of its own, beside the forwarder."""

    def __init__(self, collector: OpcUaCollector) -> None:
        self.collector = collector
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="opcua", daemon=True)

    def _run(self) -> None:
        asyncio.run(self.collector.run(self.stopping))

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(30)
