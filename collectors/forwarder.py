"""The forwarding half of store-and-forward: the buffer's batches, oldest first, to the
historian's ingest endpoint (API.md, POST /api/v1/historian/samples/), each deleted only
once the historian has answered for it.

- 201 (stored) or 200 (a replay of a batch stored before: the historian answers with the
  first result and stores nothing twice) → the batch is done.
- 409, 422 naming the items at fault (an unknown tag, a value that does not fit, a conflict
  with a stored original): the rest of the batch is sent again under a key derived from the
  batch's (`<key>/rest<n>`, as deterministic as the first), and only the items at fault are
  quarantined — one unconfigured tag does not hold back the values of every other.
- 400, or a refusal naming no item: the historian refuses this batch for good →
  quarantined with the answer, kept on disk, counted in the heartbeat; the batches behind it
  go on.
- Anything else (no connection, a timeout, 401/403, 429, 5xx) → the batch stays first in line
  and is sent again after the pause the answer's Retry-After asks for (503 while the
  historian's database is away), else after one that doubles up to `max_pause` seconds.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from collectors.buffer import Batch, Buffer

INGEST_PATH = "/api/v1/historian/samples/"
HEARTBEAT_PATH = "/api/v1/collectors/{name}/heartbeat/"
REFUSED_FOR_GOOD = frozenset({400, 409, 422})
MAX_SPLITS = 5  # requests with the named items taken out, before the whole batch is refused
BATCH_VALUES = 10_000


@dataclass(frozen=True)
class Historian:
    url: str  # e.g. https://historian.example:8443
    token: str  # a service account's API token
    source: str  # the collector's name, recorded with every ingest batch
    timeout: float = 30.0


@dataclass
class Outcome:
    kind: str  # "idle", "sent", "quarantined" or "retry"
    values: int = 0  # stored by the historian (a quarantined batch's other values may be)
    status: int | None = None
    detail: str = ""


@dataclass
class Forwarder:
    buffer: Buffer
    historian: Historian
    batch_values: int = BATCH_VALUES
    max_pause: float = 10.0
    session: requests.Session = field(default_factory=requests.Session)
    # Held around every use of the buffer when a source appends to it from another thread.
    lock: Any = field(default_factory=contextlib.nullcontext)
    last_error: str = ""
    _pause: float = 0.0
    _sent: deque[tuple[float, int]] = field(default_factory=deque)  # (when, values) last minute

    def send_one(self) -> Outcome:
        """Send the oldest batch not done (making one from buffered values if needed)."""
        with self.lock:
            batch = self.buffer.next_batch(self.batch_values)
        if batch is None:
            return Outcome("idle")
        try:
            answer = self._post(INGEST_PATH, batch.body(self.historian.source))
        except requests.RequestException as exc:
            return self._retry(f"the historian could not be reached: {exc}")
        if answer.status_code in (200, 201):
            with self.lock:
                self.buffer.sent(batch)
            self._pause, self.last_error = 0.0, ""
            self._sent.append((time.monotonic(), len(batch.values)))
            return Outcome("sent", len(batch.values), answer.status_code)
        if answer.status_code in REFUSED_FOR_GOOD:
            return self._refused(batch, answer)
        return self._retry(f"the historian answered {answer.status_code}: {_text(answer)}",
                           asked=_retry_after(answer))  # fmt: skip

    def _refused(self, batch: Batch, answer: requests.Response) -> Outcome:
        """Send the batch again without the items the historian named, until it takes the
        rest; quarantine those items (or the whole batch when it names none)."""
        refused: set[int] = set()
        status, first = answer.status_code, _body(answer)
        body = first
        for attempt in range(1, MAX_SPLITS + 1):
            named = _item_indexes(body, [k for k in range(len(batch.values)) if k not in refused])
            if not named or len(refused | named) == len(batch.values):
                refused = set(range(len(batch.values)))
                break
            refused |= named
            kept = tuple(v for k, v in enumerate(batch.values) if k not in refused)
            rest = Batch(batch.number, f"{batch.key}/rest{attempt}", kept)
            try:
                again = self._post(INGEST_PATH, rest.body(self.historian.source))
            except requests.RequestException as exc:
                return self._retry(f"the historian could not be reached: {exc}")
            if again.status_code in (200, 201):
                break
            if again.status_code not in REFUSED_FOR_GOOD:
                return self._retry(f"the historian answered {again.status_code}: {_text(again)}",
                                   asked=_retry_after(again))  # fmt: skip
            body = _body(again)
        else:
            refused = set(range(len(batch.values)))
        whole = len(refused) == len(batch.values)
        with self.lock:
            self.buffer.quarantine(batch, status, first, None if whole else refused)
        if not whole:
            self._sent.append((time.monotonic(), len(batch.values) - len(refused)))
        self.last_error = (f"batch {batch.key}: {len(refused)} of {len(batch.values)} value(s) "
                           f"refused ({status}), quarantined")  # fmt: skip
        return Outcome("quarantined", len(batch.values) - len(refused), status)

    def _retry(self, detail: str, *, asked: float | None = None) -> Outcome:
        self.last_error = detail
        doubled = max(0.5, self._pause * 2)
        self._pause = min(self.max_pause, doubled if asked is None else asked)
        return Outcome("retry", detail=detail)

    def pause(self) -> float:
        """Seconds to wait before the next attempt after a failed one."""
        return self._pause

    def send_rate(self) -> float:
        """Values sent per second over the last minute."""
        now = time.monotonic()
        while self._sent and self._sent[0][0] < now - 60:
            self._sent.popleft()
        return sum(n for _, n in self._sent) / 60.0

    def heartbeat(self, kind: str) -> bool:
        """Report what the buffer holds and what was sent (the status page shows it);
        whether the historian took the report. A failed report changes nothing else."""
        with self.lock:
            stats = self.buffer.stats()
        oldest = None if stats.oldest_received is None else time.time() - stats.oldest_received
        body: dict[str, Any] = {"kind": kind, "buffered": stats.buffered,
                "oldest_age_seconds": None if oldest is None else max(0.0, oldest),
                "buffer_bytes": stats.bytes, "max_bytes": stats.max_bytes,
                "send_rate": self.send_rate(), "quarantined": self.buffer.quarantined_total(),
                "last_error": self.last_error[:2000]}  # fmt: skip
        try:
            answer = self._post(HEARTBEAT_PATH.format(name=quote(self.historian.source, safe="")),
                                body)  # fmt: skip
        except requests.RequestException:
            return False
        return answer.status_code == 200

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.session.post(
            self.historian.url.rstrip("/") + path,
            json=body,
            headers={"Authorization": f"Token {self.historian.token}"},
            timeout=self.historian.timeout,
        )

    def drain(self, *, until: float | None = None) -> int:
        """Send until nothing is buffered (or the clock passes `until`); values sent."""
        total = 0
        while until is None or time.monotonic() < until:
            outcome = self.send_one()
            if outcome.kind == "idle":
                break
            total += outcome.values
            if outcome.kind == "retry":
                time.sleep(self._pause)
        return total


def _body(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return _text(answer)


def _item_indexes(body: Any, positions: list[int]) -> set[int]:
    """The batch indexes of the items a refusal names; `positions` maps the index in the
    request that was refused to the index in the batch."""
    items = body.get("items") if isinstance(body, dict) else None
    named = set()
    for item in items if isinstance(items, list) else []:
        index = item.get("index") if isinstance(item, dict) else None
        if isinstance(index, int) and 0 <= index < len(positions):
            named.add(positions[index])
    return named


def _retry_after(answer: requests.Response) -> float | None:
    """The seconds a Retry-After header asks for (the historian sends whole seconds)."""
    value = answer.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _text(answer: requests.Response) -> str:
    return answer.text[:500]


__all__ = ["Batch", "Forwarder", "Historian", "Outcome"]
