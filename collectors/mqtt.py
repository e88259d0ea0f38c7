"""The MQTT collector: JSON payloads and Sparkplug B into the store-and-forward buffer.

- QoS 1 on a persistent session (MQTT v5, clean start off, a session that outlives the
  connection): the broker keeps what the collector has not acknowledged. paho-mqtt sends a
  message's PUBACK only when `on_message` returns, and `on_message` returns only once the
  message's values are fsync'd in the buffer — so nothing is acknowledged before it is on disk.
  When the buffer is full, `on_message` waits for the forwarder to make room: the message
  stays unacknowledged (the broker holds it and what follows), nothing is dropped.
- Data topics are shared (``$share/<group>/<topic>``) so several collectors split them; every
  collector subscribes to the Sparkplug BIRTH and DEATH topics without sharing, because each
  needs every alias table. A DEATH writes an explicit gap: a bad sample without a value for
  each of the node's (device's) metrics at the time of death.
- JSON payloads carry samples as the historian takes them: one object
  ``{"tag", "ts", "value", "quality"}``, a list of them, or ``{"samples": [...]}``.
- Sparkplug B (``spBv1.0/<group>/<NBIRTH|NDATA|DBIRTH|DDATA|NDEATH|DDEATH>/<node>[/<device>]``):
  each metric becomes a sample of the tag named like the metric (``/`` read as ``.``), at the
  metric's timestamp (else the payload's); a null metric (or NaN, ±inf) is a bad sample
  without a value. A metric's ``Quality`` property (as Ignition sends it) gives the sample's
  quality: a code up to 255 is an OPC DA quality byte (192 good, 64–127 uncertain, the rest
  bad), a larger one an OPC UA status code (its severity bits); without one, a value is good.
- A payload the collector cannot read (not JSON, not Sparkplug, an alias no BIRTH named) is
  kept whole in ``unreadable.jsonl`` beside the buffer (fsync'd) before it is acknowledged,
  and for an unknown alias the node is asked to rebirth: nothing received is thrown away.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
import pysparkplug as spb
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# pysparkplug's own generated protobuf (its Metric drops properties, where Quality travels);
# the version is pinned in pyproject.toml.
from pysparkplug._protobuf import Payload as RawPayload

from collectors.buffer import QUALITIES, Buffer, Value
from collectors.run import store_when_room

log = logging.getLogger(__name__)
SPARKPLUG = "spBv1.0"
BIRTH_AND_DEATH = (
    f"{SPARKPLUG}/+/NBIRTH/+",
    f"{SPARKPLUG}/+/NDEATH/+",
    f"{SPARKPLUG}/+/DBIRTH/+/+",
    f"{SPARKPLUG}/+/DDEATH/+/+",
)
LIFECYCLE = frozenset({"NBIRTH", "NDEATH", "DBIRTH", "DDEATH"})
DATA_ID, BIRTHS_ID = 1, 2  # subscription identifiers
SESSION_EXPIRY = 7 * 24 * 3600  # seconds the broker keeps the session while disconnected


class Unreadable(ValueError):
    """A payload the collector cannot turn into samples."""


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def quality_of_code(code: int) -> str:
    """The historian's quality for a Sparkplug ``Quality`` property."""
    if 0 <= code <= 0xFF:  # an OPC DA quality byte: QQ in the two high bits
        return {0xC0: "good", 0x40: "uncertain"}.get(code & 0xC0, "bad")
    return ("good", "uncertain", "bad", "bad")[(code >> 30) & 3]  # an OPC UA status code


def metric_qualities(payload: bytes) -> list[str | None]:
    """Each metric's quality from its ``Quality`` property, in payload order (None where it
    has none)."""
    qualities: list[str | None] = []
    for metric in RawPayload.FromString(payload).metrics:
        found = None
        for key, value in zip(metric.properties.keys, metric.properties.values, strict=False):
            kind = value.WhichOneof("value")
            if key.lower() == "quality" and kind in ("int_value", "long_value"):
                found = quality_of_code(getattr(value, kind))
        qualities.append(found)
    return qualities


def json_values(payload: bytes) -> list[Value]:
    try:
        body = json.loads(payload)
    except ValueError as exc:
        raise Unreadable(f"not JSON: {exc}") from None
    if isinstance(body, dict) and isinstance(body.get("samples"), list):
        body = body["samples"]
    items = body if isinstance(body, list) else [body]
    values = []
    for item in items:
        if not isinstance(item, dict) or not {"tag", "ts", "value"} <= set(item):
            raise Unreadable("a sample needs tag, ts and value")
        value = Value(str(item["tag"]), str(item["ts"]), item["value"],
                      str(item.get("quality", "good")))  # fmt: skip
        if value.quality not in QUALITIES:
            raise Unreadable(f"quality {value.quality!r} is not one of {', '.join(QUALITIES)}")
        values.append(value)
    return values


class Sparkplug:
    """The alias tables of every node and device that was born, and their payloads read."""

    def __init__(self) -> None:
        self.births: dict[tuple[str, ...], spb.NBirth | spb.DBirth] = {}

    def values(self, topic: str, payload: bytes) -> list[Value]:
        parts = topic.split("/")
        if len(parts) not in (4, 5) or parts[0] != SPARKPLUG:
            raise Unreadable(f"not a Sparkplug B topic: {topic}")
        group, kind, node = parts[1], parts[2], parts[3]
        key = (group, node, *parts[4:])
        try:
            if kind in ("NBIRTH", "DBIRTH"):
                born = (spb.NBirth if kind == "NBIRTH" else spb.DBirth).decode(payload)
                self.births[key] = born
                return self._samples(born.metrics, born.timestamp, metric_qualities(payload))
            if kind in ("NDATA", "DDATA"):
                birth = self.births.get(key)
                if birth is None:
                    raise Unreadable(f"{kind} of {'/'.join(key)}: its aliases were named by no "
                                     "BIRTH")  # fmt: skip
                data_class = spb.NData if kind == "NDATA" else spb.DData
                data = data_class.decode(payload, birth=birth)
                return self._samples(data.metrics, data.timestamp, metric_qualities(payload))
            if kind in ("NDEATH", "DDEATH"):
                died = (spb.NDeath if kind == "NDEATH" else spb.DDeath).decode(payload)
                return self._death(key, kind, died.timestamp)
        except Unreadable:
            raise
        except Exception as exc:  # the decoder's errors are of many kinds
            raise Unreadable(f"{kind} of {'/'.join(key)}: {exc!r}") from None
        return []  # commands and STATE carry no process values

    @staticmethod
    def _samples(
        metrics: tuple[spb.Metric, ...], at: int, qualities: list[str | None]
    ) -> list[Value]:
        values = []
        for metric, quality in zip(metrics, qualities, strict=True):
            if metric.name is None:
                raise Unreadable(f"alias {metric.alias} was named by no BIRTH")
            tag = metric.name.replace("/", ".")
            ts = _iso(metric.timestamp if metric.timestamp is not None else at)
            value = metric.value
            if metric.is_null or value is None or (isinstance(value, float)
                                                   and not math.isfinite(value)):  # fmt: skip
                values.append(Value(tag, ts, None, "bad"))
            elif isinstance(value, bool | int | float | str):
                values.append(Value(tag, ts, value, quality or "good"))
        return values

    def _death(self, key: tuple[str, ...], kind: str, at_ms: int | None) -> list[Value]:
        """An explicit gap: each metric of the node (device), bad and without a value, at the
        death's timestamp (an NDEATH, set as the broker's will, often has none: then now);
        for a node, its devices die with it."""
        dying = [k for k in self.births if k == key or (kind == "NDEATH" and k[:2] == key)]
        at = _iso(at_ms or int(time.time() * 1000))  # absent: 0 or None
        values = [Value(m.name.replace("/", "."), at, None, "bad")
                  for k in dying for m in self.births.pop(k).metrics if m.name]  # fmt: skip
        return values


class MqttCollector:
    """Subscribes, decodes, buffers; the forwarder (another thread) sends what is buffered."""

    def __init__(
        self,
        buffer: Buffer,
        *,
        broker: str,
        topics: list[str],
        client_id: str,
        share_group: str | None = None,
        lock: threading.Lock | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.buffer = buffer
        self.topics = topics
        self.share_group = share_group
        self.births_subscribed = bool(self.subscriptions()[1])
        self.lock = lock or threading.Lock()
        self.sparkplug = Sparkplug()
        self.received = 0
        self.last_full = ""  # what the buffer said when it was last full
        self.stopping = threading.Event()
        url = urlparse(broker if "://" in broker else f"mqtt://{broker}")
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 1883
        self.client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY
        self.client.connect(self.host, self.port, keepalive=30, clean_start=False,
                            properties=properties)  # fmt: skip
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()
        self.client.disconnect()
        self.client.loop_stop()

    def subscriptions(self) -> tuple[list[str], list[str]]:
        """The data topics (shared when a group is named), and the BIRTH/DEATH topics."""
        shared = [f"$share/{self.share_group}/{t}" if self.share_group else t for t in self.topics]
        sparkplug = any(t.startswith(SPARKPLUG) for t in self.topics)
        return shared, list(BIRTH_AND_DEATH) if sparkplug else []

    def _second_copy(self, message: mqtt.MQTTMessage) -> bool:
        """A BIRTH or DEATH delivered for a data subscription: read from its own one."""
        kind = message.topic.split("/")[2:3]
        if not kind or kind[0] not in LIFECYCLE or not self.births_subscribed:
            return False
        identifiers = getattr(message.properties, "SubscriptionIdentifier", None)
        return identifiers is not None and BIRTHS_ID not in identifiers

    def _on_connect(self, client: mqtt.Client, _: Any, __: Any, code: Any, ___: Any = None) -> None:
        if code != 0:
            log.error("the broker refused the connection: %s", code)
            return
        # Two subscriptions, told apart by their identifiers (MQTT v5): a BIRTH or DEATH that
        # also matches a data topic arrives twice and is read once, from its own subscription.
        data, births = self.subscriptions()
        for identifier, topics in ((DATA_ID, data), (BIRTHS_ID, births)):
            if topics:
                properties = Properties(PacketTypes.SUBSCRIBE)
                properties.SubscriptionIdentifier = identifier
                client.subscribe([(topic, 1) for topic in topics], properties=properties)

    def _on_message(self, client: mqtt.Client, _: Any, message: mqtt.MQTTMessage) -> None:
        try:
            if message.topic.startswith(SPARKPLUG + "/"):
                if self._second_copy(message):
                    return
                values = self.sparkplug.values(message.topic, message.payload)
            else:
                values = json_values(message.payload)
        except Unreadable as exc:
            self._keep_unreadable(message, str(exc))
            if "named by no BIRTH" in str(exc):
                self._ask_rebirth(client, message.topic)
            return
        except Exception as exc:  # never let a payload stop the network loop (no more acks)
            self._keep_unreadable(message, f"could not be read: {exc!r}")
            return
        self._store(values)
        self.received += len(values)

    def _store(self, values: list[Value]) -> None:
        """Into the buffer, fsync'd; while it is full, wait (the message stays unacknowledged)."""
        stored = store_when_room(self.buffer, values, lock=self.lock, stopping=self.stopping,
                                 on_full=self._full)  # fmt: skip
        if stored < len(values):  # redelivered whole: the historian stores the stored once
            raise RuntimeError("stopping with a message not stored: it stays unacknowledged")

    def _full(self, said: str) -> None:
        self.last_full = said
        log.warning("%s; waiting for the forwarder to make room", said)

    def _keep_unreadable(self, message: mqtt.MQTTMessage, reason: str) -> None:
        entry = {"topic": message.topic, "reason": reason, "received": time.time(),
                 "payload": base64.b64encode(message.payload).decode()}  # fmt: skip
        with self.lock:
            self.buffer.keep("unreadable.jsonl", entry)
        log.warning("kept an unreadable payload from %s: %s", message.topic, reason)

    @staticmethod
    def _ask_rebirth(client: mqtt.Client, topic: str) -> None:
        parts = topic.split("/")
        command = spb.NCmd(timestamp=spb.get_current_timestamp(), metrics=(
            spb.Metric(timestamp=None, name="Node Control/Rebirth",
                       datatype=spb.DataType.BOOLEAN, value=True),))  # fmt: skip
        client.publish(f"{SPARKPLUG}/{parts[1]}/NCMD/{parts[3]}", command.encode(), qos=0)
