"""A Mosquitto broker of a test's (or benchmark's) own, on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def start_mosquitto(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Started and listening. Sessions of offline clients queue every message (Mosquitto
    keeps only 1,000 by default)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
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
