"""A collector's main loop: its source fills the buffer (its own thread); this loop forwards
batches to the historian, pausing when idle and backing off when the historian is away,
until told to stop (SIGTERM, SIGINT)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

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


def stop_on_signals(stop: threading.Event) -> None:
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
