"""Events re-hashed and linked, batch by batch (in worker processes for long chains).

Only standard library and `cryptography`: no Django (see the package docstring)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, NamedTuple

from audit.canonical import event_hash, parse_json, sha256_hex
from audit.catalogue import STATE_EVENTS

ROW_ACTIONS = frozenset({"insert", "update", "delete"})
KEPT_ACTIONS = ROW_ACTIONS | {"signature", "checkpoint", "catalogue"}
PREV_MISMATCH = (
    "prev_hash does not link to the previous event (an event was removed, inserted or moved)"
)
ALTERED = "content does not match its hash (the event was altered)"


class Checked(NamedTuple):
    """An event after its hash was recomputed; `event` is kept only where more is checked."""

    seq: int
    prev_hash: str
    hash: str
    hash_ok: bool
    event: Mapping[str, Any] | None


class Segment(NamedTuple):
    """A batch of consecutive events, checked (in a worker process when the chain is long).

    Only what the chain's order needs crosses back: its ends, every problem
    inside it, and the events whose content is checked further (`kept`, each
    with the hash of the event before it).
    """

    first_seq: int
    first_prev: str
    first_hash: str
    last_seq: int
    last_hash: str
    problems: list[tuple[int, str]]
    kept: list[tuple[int, str, Mapping[str, Any]]]


def order_problem(previous_seq: int, seq: int) -> tuple[int, str]:
    if seq > previous_seq + 1:
        return previous_seq + 1, f"missing: the chain continues with seq {seq}"
    return seq, f"out of order: seq {seq} follows seq {previous_seq}"


def summarize(checked: list[Checked]) -> Segment:
    """Check the links inside a batch and keep what the main process needs.

    Every problem is reported and checking goes on from the event after it:
    a removed event is one `missing`, an altered one one `altered`, a moved
    or inserted one a broken link.
    """
    first = checked[0]
    problems: list[tuple[int, str]] = []
    kept: list[tuple[int, str, Mapping[str, Any]]] = []
    previous: Checked | None = None
    for item in checked:
        if previous is not None:
            if item.seq != previous.seq + 1:
                problems.append(order_problem(previous.seq, item.seq))
            elif item.prev_hash != previous.hash and item.hash_ok:
                problems.append((item.seq, PREV_MISMATCH))
        if not item.hash_ok:
            problems.append((item.seq, ALTERED))
        if item.event is not None:
            kept.append((item.seq, item.prev_hash, item.event))
        previous = item
    last = previous or first
    return Segment(first.seq, first.prev_hash, first.hash, last.seq, last.hash, problems, kept)


def _is_state_event(ev: Mapping[str, Any]) -> bool:
    changes = ev.get("changes")
    return isinstance(changes, dict) and changes.get("event") in STATE_EVENTS


def check_event(ev: Mapping[str, Any]) -> Checked:
    ok = event_hash(ev) == ev["hash"]
    action = ev["action"]
    keep = (
        ev
        if (action in KEPT_ACTIONS or not ok or (action == "security" and _is_state_event(ev)))
        else None
    )
    return Checked(int(ev["seq"]), str(ev["prev_hash"]), str(ev["hash"]), ok, keep)


_HASH_MEMBER = ',"hash":"'
_TYPE_MEMBER = ',"type":"event"}'
_SECURITY_PREFIX = '{"action":"security",'
_STATE_MARKERS = tuple(f'"event":"{name}"' for name in STATE_EVENTS)


def check_line(line: str) -> Checked:
    """Re-hash one event line of an export.

    An event line is the canonical JSON of the event plus its `hash` and `type`
    members; with keys sorted, cutting those two members out leaves exactly
    the canonical bytes that were hashed. Security events (most of a chain)
    are checked that way without parsing; every other event, and a security
    event that sets a checked state (an account lock), is parsed too, for the
    checks that need its content.
    """
    if (
        line.startswith(_SECURITY_PREFIX)
        and line.endswith(_TYPE_MEMBER)
        and not any(marker in line for marker in _STATE_MARKERS)
    ):
        # After `changes` only strings and numbers follow, in which `,"x":` cannot occur
        # unescaped: the last occurrence of each member name is the top-level one.
        at = line.rfind(_HASH_MEMBER)
        end = at + len(_HASH_MEMBER) + 64
        if at > 0 and line[end : end + 1] == '"':
            digest = line[at + len(_HASH_MEMBER) : end]
            content = line[:at] + line[end + 1 : -len(_TYPE_MEMBER)] + "}"
            seq_at = content.rfind(',"seq":') + 7
            prev_at = content.rfind(',"prev_hash":"') + 14
            try:
                seq = int(content[seq_at : content.index(",", seq_at)])
            except ValueError:
                return check_event(parse_json(line))
            ok = sha256_hex(content.encode("utf-8")) == digest
            return Checked(seq, content[prev_at : prev_at + 64], digest, ok, None)
    return check_event(parse_json(line))


def check_lines(lines: list[str]) -> Segment:
    """Worker-process step for export lines: re-hash and link a batch of events."""
    return summarize([check_line(line) for line in lines])


def checked_segments(
    batches: Iterable[list[Any]], check: Callable[[list[Any]], Segment], parallel: bool
) -> Iterator[Segment]:
    """Check batches of events, in worker processes when `parallel`, keeping their order."""
    if not parallel:
        for batch in batches:
            yield check(batch)
        return
    workers = max(1, min(4, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        pending: deque[Future[Segment]] = deque()
        for batch in batches:
            pending.append(pool.submit(check, batch))
            if len(pending) > workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
