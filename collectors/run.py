"""A collector's main loop: its source fills the buffer (its own thread); this loop forwards
batches to the historian, pausing when idle and backing off when the historian is away,
until told to stop (SIGTERM, SIGINT)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from collectors.buffer import Buffer, Value
from collectors.forwarder import Forwarder

IDLE_PAUSE = 0.2  # seconds between looks at an empty buffer


def forward_until_stopped(
    forwarder: Forwarder,
    stop: threading.Event,
    *,
    every: Callable[[], Any] | None = None,
    every_seconds: float = 10.0,
) -> None:
    """Forward until `stop` is set; call `every` (the heartbeat) every `every_seconds`."""
    next_call = 0.0
    while not stop.is_set():
        if every is not None and time.monotonic() >= next_call:
            every()
            next_call = time.monotonic() + every_seconds
        outcome = forwarder.send_one()
        if outcome.kind == "idle":
            stop.wait(IDLE_PAUSE)
        elif outcome.kind == "retry":
            stop.wait(forwarder.pause())


def store_when_room(
    buffer: Buffer,
    values: list[Value],
    *,
    lock: Any,
    stopping: threading.Event,
    on_full: Callable[[str], Any],
) -> int:
    """Append `values` to the buffer (fsync'd), oldest first, as many as it has room for;
    while it is full, say so (`on_full`) and wait for the forwarder to make room. How many
    were stored: all of them, unless told to stop while it is full (the rest are not stored;
    their source keeps them: MQTT redelivers what was not acknowledged, OPC UA's history is
    read again from the watermark)."""
    done = 0
    while True:
        with lock:
            done += buffer.append(values[done:], partial=True)
        if done == len(values) or stopping.is_set():
            return done
        on_full(buffer.full(len(values) - done))
        time.sleep(0.5)


def stop_on_signals(stop: threading.Event) -> None:
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
