"""The collector's store-and-forward buffer: every value is on disk (fsync'd) before it is
acknowledged to its source, and leaves the disk only after the historian has answered for it.

Standard library only. A buffer is a directory of segment files, appended to and never
rewritten, one record per line: the CRC-32 of the record's JSON in hex, a space, the JSON.
Records:

- ``{"h": [next_seq, next_batch, done_batch, done_seq]}`` opens every segment: the counters,
  so deleting old segments loses none of them;
- ``{"v": [seq, tag, ts, value, quality, received]}`` a value (``received``: Unix seconds);
  sequence numbers run on without a gap;
- ``{"b": [batch, first_seq, last_seq]}`` a batch's boundary, fsync'd before the batch is
  first sent, so a batch re-sent after a crash holds exactly the same values under the same
  ingest key ``<collector>/<buffer id>/<batch>`` (the historian answers a replay with the
  original result and stores nothing twice);
- ``{"s": [batch, last_seq]}`` the historian stored the batch (201) or had stored it (200);
- ``{"q": [batch, last_seq, status, answer]}`` the historian refused the batch, or items of
  it, for good (400, 409, 422): those values are first copied to ``quarantine.jsonl`` with
  the answer (the forwarder had the rest stored), then it is done.

Batches are made, sent and done in order. A segment is deleted once every value and batch in
it is done. A crash can tear only the last line written, which was never acknowledged: on
opening, a last line that does not check is cut off (any other line that does not check is
corruption, and the buffer refuses to open rather than guess).

Values are read back from the segments when a batch is made, not kept in memory: a long
outage fills the disk, not the collector's memory.

Size limit: `max_bytes` over all segments, of which a reserve (1 KiB, or 1/256 of the limit
if more) holds the buffer's own records. Values that would pass the rest are refused
(BufferFull) and nothing is written — or, asked for `partial`, the first ones that fit are
stored and the rest refused, so a group larger than the whole buffer still goes in as room
is made. The caller must not acknowledge refused values to their source (an MQTT broker
keeps and redelivers them; an OPC UA collector reads them again from the server's history,
or records the gap). Nothing stored is ever dropped to make room.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from collectors.records import (
    QUALITIES,
    Batch,
    Position,
    Stats,
    Value,
    exclusive_lock,
    fsync_dir,
    pack,
    unpack,
)

SEGMENT_BYTES = 4 * 1024 * 1024
MAX_BYTES = 1024 * 1024 * 1024


class BufferFull(Exception):
    """The values would pass the buffer's size limit: none of them was stored."""


class BufferCorrupt(Exception):
    """A segment line that does not check and is not the last one written: not a torn write."""


class Buffer:
    """One collector's buffer in `directory` (made if missing). One process owns a buffer: an
    exclusive lock refuses a second (it would number batches twice)."""

    def __init__(
        self,
        directory: Path | str,
        *,
        collector: str,
        max_bytes: int = MAX_BYTES,
        segment_bytes: int = SEGMENT_BYTES,
    ) -> None:
        self.directory = Path(directory)
        self.collector = collector
        self.max_bytes = max_bytes
        # Kept for the buffer's own records (segment headers, batch boundaries, answers),
        # written after the values they follow: the files stay within max_bytes.
        self.reserve = max(1024, max_bytes // 256)
        # Space comes back a segment at a time: several segments fit in the limit.
        self.segment_bytes = min(segment_bytes, max(4096, max_bytes // 8))
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = exclusive_lock(self.directory / "lock")
        self.buffer_id = self._identity()
        self.next_seq, self.next_number, self.done_batch, self.done_seq = 1, 1, 0, 0
        self.sent_count = self.quarantined_count = 0
        self._quarantined_before = _lines(self.directory / "quarantine.jsonl")
        self._sizes: dict[int, int] = {}  # segment number → bytes
        self._last_seq: dict[int, int] = {}  # segment number → highest value seq in it
        self._batch_in: dict[int, list[int]] = {}  # segment number → batches bounded in it
        self._batches: dict[int, tuple[int, int, Position]] = {}  # open batch → first, last, at
        self._cursor: Position | None = None  # the first value not in a batch
        self._recover()
        self._file = open(self._path(max(self._sizes)), "ab")  # noqa: SIM115

    def _path(self, segment: int) -> Path:
        return self.directory / f"seg-{segment:08d}.log"

    def _identity(self) -> str:
        """A random id made once per buffer directory: part of every ingest key, so a new
        buffer never reuses the keys of one that was wiped."""
        path = self.directory / "buffer.id"
        if path.exists():
            return path.read_text().strip()
        identity = uuid.uuid4().hex[:12]
        temporary = path.with_suffix(".tmp")
        with open(temporary, "w") as handle:
            handle.write(identity + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        fsync_dir(self.directory)
        return identity

    # --- opening -------------------------------------------------------------------------

    def _recover(self) -> None:
        segments = sorted(int(p.stem[4:]) for p in self.directory.glob("seg-*.log"))
        bounds: dict[int, tuple[int, int]] = {}
        positions: dict[int, Position] = {}  # the first value seq of each segment
        for number in segments:
            self._sizes[number] = self._check(number, last=number == segments[-1])
            self._last_seq[number] = 0
            self._batch_in[number] = []
            for offset, record in self._records(number, 0):
                kind, body = next(iter(record.items()))
                if kind == "h":
                    self.next_seq = max(self.next_seq, body[0])
                    self.next_number = max(self.next_number, body[1])
                    self.done_batch, self.done_seq = (
                        max(self.done_batch, body[2]),
                        max(self.done_seq, body[3]),
                    )
                elif kind == "v":
                    positions.setdefault(number, (body[0], offset))
                    self._last_seq[number] = body[0]
                    self.next_seq = max(self.next_seq, body[0] + 1)
                elif kind == "b":
                    bounds[body[0]] = (body[1], body[2])
                    self._batch_in[number].append(body[0])
                    self.next_number = max(self.next_number, body[0] + 1)
                elif kind in ("s", "q"):
                    self.done_batch = max(self.done_batch, body[0])
                    self.done_seq = max(self.done_seq, body[1])
                else:
                    raise BufferCorrupt(f"{self._path(number).name}: unknown record {kind!r}")
        for batch, (first, last) in sorted(bounds.items()):
            if batch > self.done_batch:
                self._batches[batch] = (first, last, self._find(first, positions))
        unbatched = max([self.done_seq, *(last for _, last, _ in self._batches.values())]) + 1
        if unbatched < self.next_seq:
            self._cursor = self._find(unbatched, positions)
        if not segments:
            self._open_segment()

    def _check(self, number: int, *, last: bool) -> int:
        """The segment's size once a torn last line is cut off."""
        path = self._path(number)
        good = 0
        with open(path, "rb") as handle:
            for line in handle:
                if unpack(line) is None:
                    rest = handle.read()
                    if not last or rest:
                        raise BufferCorrupt(f"{path.name}: a line at byte {good} does not check")
                    break
                good += len(line)
        if good < path.stat().st_size:
            with open(path, "r+b") as handle:
                handle.truncate(good)
                os.fsync(handle.fileno())
        return good

    def _find(self, seq: int, positions: dict[int, Position]) -> Position:
        """Where value `seq` is: the segment holding it, read from its first value."""
        for number in sorted(self._sizes):
            first = positions.get(number)
            if first is not None and first[0] <= seq <= self._last_seq[number]:
                for offset, record in self._records(number, first[1]):
                    if "v" in record and record["v"][0] == seq:
                        return (number, offset)
        raise BufferCorrupt(f"value {seq} is not in the buffer")

    def _records(self, number: int, offset: int) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self._path(number), "rb") as handle:
            handle.seek(offset)
            for line in handle:
                record = unpack(line)
                if record is None:
                    return
                yield offset, record
                offset += len(line)

    # --- writing -------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()
        os.fsync(self._file.fileno())
        self._sizes[max(self._sizes)] += len(data)

    def _open_segment(self) -> None:
        number = max(self._sizes, default=0) + 1
        header = pack({"h": [self.next_seq, self.next_number, self.done_batch, self.done_seq]})
        with open(self._path(number), "xb") as handle:
            handle.write(header)
            handle.flush()
            os.fsync(handle.fileno())
        fsync_dir(self.directory)
        self._sizes[number], self._last_seq[number], self._batch_in[number] = len(header), 0, []
        if getattr(self, "_file", None) is not None:
            self._file.close()
            self._file = open(self._path(number), "ab")  # noqa: SIM115

    def bytes_on_disk(self) -> int:
        return sum(self._sizes.values())

    def full(self, waiting: int) -> str:
        """What to say when `waiting` values find no room."""
        return (f"the buffer holds {self.bytes_on_disk():,} of its {self.max_bytes:,} bytes: "
                f"{waiting:,} value(s) not stored")  # fmt: skip

    def append(
        self, values: Iterable[Value], *, received: float | None = None, partial: bool = False
    ) -> int:
        """Store `values` durably (fsync'd when this returns): only then may the caller
        acknowledge them to their source; how many were stored. When they would pass the size
        limit, raises BufferFull storing none of them — or, `partial`, stores the first ones
        that fit (perhaps none)."""
        at = time.time() if received is None else received
        lines = []
        for k, v in enumerate(values):
            if v.quality not in QUALITIES:
                raise ValueError(f"quality {v.quality!r} is not one of {', '.join(QUALITIES)}")
            lines.append(pack({"v": [self.next_seq + k, v.tag, v.ts, v.value, v.quality, at]}))
        room, fits = self.max_bytes - self.reserve - self.bytes_on_disk(), 0
        for line in lines:
            room -= len(line)
            if room < 0:
                break
            fits += 1
        if fits < len(lines) and not partial:
            raise BufferFull(self.full(len(lines) - fits))
        lines = lines[:fits]
        if not lines:
            return 0
        data = b"".join(lines)
        if self._sizes[max(self._sizes)] + len(data) > self.segment_bytes:
            self._open_segment()
        segment = max(self._sizes)
        if self._cursor is None:
            self._cursor = (segment, self._sizes[segment])
        self._write(data)
        self.next_seq += len(lines)
        self._last_seq[segment] = self.next_seq - 1
        return len(lines)

    def next_batch(self, max_values: int) -> Batch | None:
        """The oldest batch not done; else a new one of up to `max_values` values not yet in a
        batch (its boundary fsync'd first); None when every value is done."""
        if self._batches:
            number = min(self._batches)
            return self._batch(number, *self._batches[number])
        if self._cursor is None:
            return None
        first = self.done_seq + 1
        last = min(self.next_seq - 1, first + max_values - 1)
        number, at = self.next_number, self._cursor
        self._write(pack({"b": [number, first, last]}))
        self._batch_in[max(self._sizes)].append(number)
        self._batches[number] = (first, last, at)
        self.next_number = number + 1
        batch = self._batch(number, first, last, at)
        self._cursor = self._after(last, at) if last < self.next_seq - 1 else None
        return batch

    def _values(self, first: int, last: int, at: Position) -> Iterator[tuple[Position, list[Any]]]:
        for number in sorted(n for n in self._sizes if n >= at[0]):
            for offset, record in self._records(number, at[1] if number == at[0] else 0):
                if "v" in record:
                    seq = record["v"][0]
                    if seq > last:
                        return
                    if seq >= first:
                        yield (number, offset), record["v"]

    def _batch(self, number: int, first: int, last: int, at: Position) -> Batch:
        values = tuple(Value(*v[1:5]) for _, v in self._values(first, last, at))
        if len(values) != last - first + 1:
            raise BufferCorrupt(f"batch {number} should hold values {first} to {last}")
        return Batch(number, f"{self.collector}/{self.buffer_id}/{number:012d}", values)

    def _after(self, last: int, at: Position) -> Position:
        for position, _ in self._values(last + 1, last + 1, at):
            return position
        raise BufferCorrupt(f"value {last + 1} is not in the buffer")

    def sent(self, batch: Batch) -> None:
        """The historian stored the batch (201) or had stored it (200): it is done."""
        self._write(pack({"s": [batch.number, self._batches[batch.number][1]]}))
        self.sent_count += 1
        self._done(batch)

    def quarantine(
        self, batch: Batch, status: int, answer: Any, refused: Iterable[int] | None = None
    ) -> None:
        """The historian refused the batch, or the values at the `refused` indexes of it, for
        good (the rest it stored): those values and the answer go to quarantine.jsonl
        (fsync'd) before the batch counts as done."""
        indexes = range(len(batch.values)) if refused is None else sorted(refused)
        samples = [batch.values[k].sample() for k in indexes]
        entry = {"batch": batch.number, "key": batch.key, "status": status, "answer": answer,
                 "samples": samples, "at": time.time()}  # fmt: skip
        if refused is not None:
            entry["indexes"] = list(indexes)
        self.keep("quarantine.jsonl", entry)
        self._write(pack({"q": [batch.number, self._batches[batch.number][1], status, answer]}))
        self.quarantined_count += 1
        self._done(batch)

    def _done(self, batch: Batch) -> None:
        if batch.number != min(self._batches, default=None):
            raise ValueError(f"batch {batch.number} is not the oldest open batch")
        _, last, _ = self._batches.pop(batch.number)
        self.done_batch, self.done_seq = batch.number, last
        # Delete the segments whose values and batches are done; when that is all of them,
        # the one written to as well, after opening the next (its header keeps the counters).
        if self._cursor is None and not self._batches and self._last_seq[max(self._sizes)]:
            self._open_segment()
        for number in sorted(self._sizes)[:-1]:
            if self._last_seq[number] > self.done_seq or any(
                b > self.done_batch for b in self._batch_in[number]
            ):
                break
            self._path(number).unlink()
            del self._sizes[number], self._last_seq[number], self._batch_in[number]
            fsync_dir(self.directory)

    # --- reading -------------------------------------------------------------------------

    def stats(self) -> Stats:
        oldest = None
        if self.done_seq + 1 < self.next_seq:
            at = min([b[2] for b in self._batches.values()] or [self._cursor or (0, 0)])
            for _, value in self._values(self.done_seq + 1, self.done_seq + 1, at):
                oldest = float(value[5])
        return Stats(
            buffered=self.next_seq - 1 - self.done_seq,
            oldest_received=oldest,
            bytes=self.bytes_on_disk(),
            max_bytes=self.max_bytes,
            sent=self.sent_count,
            quarantined=self.quarantined_count,
        )

    def keep(self, name: str, entry: dict[str, Any]) -> None:
        """One JSON line appended to `name` beside the segments, fsync'd: what is set aside
        rather than sent (quarantined batches, unreadable payloads, gaps)."""
        with open(self.directory / name, "ab") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    def quarantined_total(self) -> int:
        """Batches ever quarantined in this buffer (lines of quarantine.jsonl, counted when
        the buffer was opened, plus those since)."""
        return self._quarantined_before + self.quarantined_count

    def close(self) -> None:
        self._file.close()
        os.close(self._lock)


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


__all__ = ["QUALITIES", "Batch", "Buffer", "BufferCorrupt", "BufferFull", "Stats", "Value"]
