"""What the collector tests (and benchmark) share: a Mosquitto broker of their own on a free
port, and waiting for what a collector does in the background."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.historian.common import free_port


def start_mosquitto(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Started and listening. Sessions of offline clients queue every message (Mosquitto
    keeps only 1,000 by default)."""
    port = free_port()
    config = directory / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\n"
    )
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen(
        [mosquitto, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"mosquitto did not listen on {port} within 10 s")


def wait_for(
    condition: Callable[[], bool], seconds: float = 30, detail: Callable[[], object] = str
) -> None:
    """Until `condition` holds; past `seconds`, fail saying `detail()`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out {detail()}"
        time.sleep(0.1)
