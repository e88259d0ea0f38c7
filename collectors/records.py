"""What a collector's buffer holds, and how it is written: values and batches, records as
CRC-checked lines of JSON, and the file primitives (a directory fsync'd, an exclusive lock).
Standard library only (collectors/buffer.py says what each record means)."""

from __future__ import annotations

import fcntl
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUALITIES = ("good", "uncertain", "bad")


@dataclass(frozen=True)
class Value:
    tag: str
    ts: str  # ISO 8601 with an offset, as the historian takes it
    value: Any
    quality: str = "good"

    def sample(self) -> dict[str, Any]:
        return {"tag": self.tag, "ts": self.ts, "value": self.value, "quality": self.quality}


@dataclass(frozen=True)
class Batch:
    number: int
    key: str
    values: tuple[Value, ...]

    def body(self, source: str) -> dict[str, Any]:
        """The historian's ingest request (API.md, POST /api/v1/historian/samples/)."""
        return {"source": source, "ingest_key": self.key,
                "samples": [v.sample() for v in self.values]}  # fmt: skip


@dataclass(frozen=True)
class Stats:
    buffered: int  # values not yet done
    oldest_received: float | None  # Unix time the oldest of them reached the collector
    bytes: int  # every segment on disk
    max_bytes: int
    sent: int  # batches, since this process opened the buffer
    quarantined: int


Position = tuple[int, int]  # (segment number, byte offset of a line)


def pack(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b"%08x " % zlib.crc32(payload) + payload + b"\n"


def unpack(line: bytes) -> dict[str, Any] | None:
    """The record of a whole line, or None when the line does not check."""
    if not line.endswith(b"\n") or len(line) < 10 or line[8:9] != b" ":
        return None
    payload = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(payload):
            return None
        record = json.loads(payload)
    except ValueError:
        return None
    return record if isinstance(record, dict) and len(record) == 1 else None


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def exclusive_lock(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RuntimeError(f"another collector holds the buffer {path.parent}") from None
    return fd
