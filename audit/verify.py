"""Verification of the audit chain, signatures, checkpoints, catalogue and audited rows.

One implementation serves both `manage.py audit_verify` (fed from the
database) and the standalone verifier an auditor runs on a laptop:

    python -m audit.verify EXPORT.jsonl [--public-key KEY.pem]... [--witness JOURNAL]...

which needs the standard library and `cryptography` only: no Django, no
database. Intact: exit 0 and `OK <N> events head <hash>`. Broken: exit 1 and
`FAIL event <seq>: <what is wrong>` for the first bad event; every other
problem found follows on stderr (`also: ...`) — verification goes on past a
break, so one break cannot hide another. Usage or input error: exit 2. A
second stdout line says whether the result is anchored by a witness journal
(`anchored: ...`) or not (`not anchored: ...`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.canonical import GENESIS_HASH, canonical_json, event_hash, parse_json, sha256_hex
from audit.catalogue import STATE_EVENTS, catalogue_problems
from audit.journal import link_problems, read_journal, signed_payload

EXPORT_FORMAT = "ledgerline-audit-export"
ROW_ACTIONS = frozenset({"insert", "update", "delete"})
KEPT_ACTIONS = ROW_ACTIONS | {"signature", "checkpoint", "catalogue"}
PREV_MISMATCH = (
    "prev_hash does not link to the previous event (an event was removed, inserted or moved)"
)
ALTERED = "content does not match its hash (the event was altered)"
BATCH = 5_000
PARALLEL_FROM = 50_000  # events: below this, worker processes cost more than they save
CHECKPOINT_SIGNED = ("head_seq", "head_hash", "created_at", "key_id", "public_key")
SIGNATURE_SEALED_EXCLUDES = frozenset({"server_signature"})
UNPLACED = float("inf")  # failures that no event can be named for sort last


@dataclass(order=True)
class Failure:
    sort_key: float
    seq: int = field(compare=False)
    message: str = field(compare=False)
    # A break of the chain itself (missing, altered, moved): when there is one, the first
    # line names the first break, since what the broken chain says cannot be trusted.
    chain: bool = field(default=False, compare=False)

    def line(self) -> str:
        return f"FAIL event {self.seq}: {self.message}"


@dataclass
class Result:
    events: int
    head: str
    failures: list[Failure]
    notes: list[str]
    anchoring: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def anchored(self) -> bool:
        return self.anchoring.startswith("anchored")

    @property
    def first(self) -> Failure | None:
        breaks = [f for f in self.failures if f.chain]
        return min(breaks or self.failures) if self.failures else None

    def line(self) -> str:
        first = self.first
        return first.line() if first else f"OK {self.events} events head {self.head}"

    def others(self) -> list[Failure]:
        """Every failure after the first, in chain order."""
        ordered = sorted(self.failures)
        first = self.first
        return [f for f in ordered if f is not first]


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id_of(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sha256_hex(raw)[:16]


def _valid(key: Ed25519PublicKey, signature_hex: str, message: bytes) -> bool:
    try:
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


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


class Verifier:
    """Feed it events in `seq` order, then the side tables; `finish()` gives the result."""

    def __init__(self, trusted: Iterable[Ed25519PublicKey]) -> None:
        self.trusted: dict[str, Ed25519PublicKey] = {key_id_of(k): k for k in trusted}
        self.failures: list[Failure] = []
        self.notes: list[str] = []
        self.expected = 1
        self.prev = GENESIS_HASH
        self.broken = False
        self.chain_id = ""
        self.signatures: dict[str, tuple[int, dict[str, Any]]] = {}
        self.checkpoints: dict[str, tuple[int, dict[str, Any]]] = {}
        # checkpoint event seq → (the head hash before it, its own hash, its content)
        self.checkpoint_events: dict[int, tuple[str, str, dict[str, Any]]] = {}
        self.catalogue: tuple[int, dict[str, Any]] | None = None
        self.states: dict[tuple[str, str], tuple[int, Any]] = {}
        self.images: dict[tuple[str, str], tuple[int, dict[str, Any] | None]] = {}
        self.seen_signature_rows: set[str] = set()
        self.seen_checkpoint_rows: set[str] = set()
        self.anchoring = ""

    # --- the chain ------------------------------------------------------------------
    def fail(self, seq: int, message: str, *, chain: bool = False) -> None:
        self.failures.append(Failure(float(seq) if seq > 0 else UNPLACED, seq, message, chain))

    def _chain_problem(self, seq: int, message: str) -> None:
        self.broken = True
        self.fail(seq, message, chain=True)

    def segment(self, segment: Segment) -> None:
        """The next batch of the chain, in order. Problems are recorded and checking goes on
        from the batch's own events, so a later break is found too."""
        if segment.first_seq == 1:
            self.chain_id = segment.first_hash
        if segment.first_seq != self.expected:
            self._chain_problem(*order_problem(self.expected - 1, segment.first_seq))
        elif segment.first_prev != self.prev:
            self._chain_problem(segment.first_seq, PREV_MISMATCH)
        for seq, before, ev in segment.kept:
            action = ev["action"]
            if action in ROW_ACTIONS:
                self._fold(seq, ev)
            elif action == "signature":
                self._signature_event(seq, ev)
            elif action == "checkpoint":
                self._checkpoint_event(seq, ev, before)
            elif action == "catalogue":
                self.catalogue = (seq, dict(ev["changes"]))
            elif action == "security":
                self._state_event(seq, ev)
        for seq, message in segment.problems:
            self._chain_problem(seq, message)
        self.prev = segment.last_hash
        self.expected = segment.last_seq + 1

    def _fold(self, seq: int, ev: Mapping[str, Any]) -> None:
        key = (str(ev["table"]), str(ev["pk"]))
        changes: Mapping[str, list[Any]] = ev["changes"]
        if ev["action"] == "delete":
            self.images[key] = (seq, None)
            return
        _, image = self.images.get(key, (0, None))
        image = {} if image is None or ev["action"] == "insert" else dict(image)
        for name, (_, new) in changes.items():
            image[name] = new
        self.images[key] = (seq, image)

    def _state_event(self, seq: int, ev: Mapping[str, Any]) -> None:
        found = STATE_EVENTS.get(str(ev["changes"].get("event")))
        if found is not None:
            state, value = found
            self.states[(state, str(ev["pk"]))] = (seq, value)

    def _key(self, seq: int, key_id: str, what: str) -> Ed25519PublicKey | None:
        key = self.trusted.get(key_id)
        if key is None:
            self.fail(seq, f"{what} signed by key {key_id}, which is not trusted")
        return key

    def _signature_event(self, seq: int, ev: Mapping[str, Any]) -> None:
        changes = dict(ev["changes"])
        payload = {k: v for k, v in changes.items() if k not in SIGNATURE_SEALED_EXCLUDES}
        key = self._key(seq, str(payload.get("key_id")), "signature")
        if key is not None and not _valid(
            key, str(changes.get("server_signature", "")), canonical_json(payload)
        ):
            self.fail(seq, "the server seal of this signature does not verify")
        self.signatures[str(payload.get("signature_id"))] = (seq, changes)

    def _checkpoint_event(self, seq: int, ev: Mapping[str, Any], before: str) -> None:
        content = dict(ev["changes"])
        self.checkpoint_events[seq] = (before, str(ev["hash"]), content)
        if content.get("head_seq") != seq - 1 or content.get("head_hash") != before:
            self.fail(seq, "the checkpoint does not state the chain head before it")
        payload = canonical_json({k: content.get(k) for k in CHECKPOINT_SIGNED})
        try:
            public = load_public_key(str(content.get("public_key", "")))
        except ValueError:
            self.fail(seq, "the checkpoint's public key cannot be read")
            return
        key_id = str(content.get("key_id"))
        if key_id_of(public) != key_id:
            self.fail(seq, "the checkpoint's key id does not match its public key")
            return
        if not _valid(public, str(content.get("signature", "")), payload):
            self.fail(seq, f"the checkpoint signature does not verify under key {key_id}")
        elif key_id not in self.trusted:
            previous = self.trusted.get(str(content.get("previous_key_id", "")))
            if previous is not None and _valid(
                previous, str(content.get("endorsement", "")), payload
            ):
                self.trusted[key_id] = public  # a rotation endorsed by a trusted key
            else:
                self.fail(
                    seq,
                    f"checkpoint signed by key {key_id}, which is not trusted "
                    "(not given, and not endorsed by a trusted key)",
                )
        self.checkpoints[str(ev["pk"])] = (seq, content)

    # --- the side tables --------------------------------------------------------------
    def signature_row(self, row: Mapping[str, Any], sealed: Mapping[str, Any]) -> None:
        """A row of the signature table, as `sealed` (payload + server_signature)."""
        sig_id = str(row["id"])
        self.seen_signature_rows.add(sig_id)
        found = self.signatures.get(sig_id)
        if found is None:
            self.fail(0, f"signature {sig_id} is not in the chain")
            return
        seq, changes = found
        if canonical_json(dict(sealed)) != canonical_json(changes):
            self.fail(
                seq,
                f"signature {sig_id} differs from its chain event "
                "(moved to another record or altered)",
            )

    def checkpoint_row(self, row: Mapping[str, Any]) -> None:
        self.seen_checkpoint_rows.add(str(row["id"]))
        found = self.checkpoints.get(str(row["id"]))
        if found is None:
            self.fail(0, f"checkpoint {row['id']} is not in the chain")
            return
        seq, content = found
        mine = {k: row.get(k) for k in content}
        if canonical_json(mine) != canonical_json(content):
            self.fail(
                seq,
                f"checkpoint {row['id']} differs from its chain event "
                "(its signature or content was replaced)",
            )

    def signed_records(self, contents: Mapping[tuple[str, str], Mapping[str, Any] | None]) -> None:
        """Current content of every signed record, keyed by (table, pk)."""
        for seq, changes in self.signatures.values():
            record = changes["record"]
            current = contents.get((str(record["table"]), str(record["pk"])))
            if current is None:
                self.fail(seq, f"signed record {record['table']}:{record['pk']} is missing")
                continue
            fields = list(changes["signed_fields"])
            digest = sha256_hex(canonical_json({f: current.get(f) for f in fields}))
            if digest != changes["content_sha256"]:
                self.fail(
                    seq, f"record {record['table']}:{record['pk']} was changed after it was signed"
                )

    def audited_tables(self) -> list[str]:
        """The tables the last recorded catalogue declares audited (row by row)."""
        if self.catalogue is None:
            return []
        tables: Mapping[str, Any] = self.catalogue[1].get("tables", {})
        return sorted(name for name, data in tables.items() if data.get("capture", True))

    def catalogue_state(self, actual: Mapping[str, Any]) -> None:
        """The database's triggers and function bodies against the recorded catalogue."""
        if self.catalogue is None:
            self.fail(
                0,
                "the chain records no catalogue of audited tables, so no table's triggers "
                "can be checked (run manage.py migrate)",
            )
            return
        seq, recorded = self.catalogue
        for problem in catalogue_problems(recorded, actual):
            self.fail(seq, problem)

    def current_states(self, current: Mapping[tuple[str, str], Any]) -> None:
        """Checked states (an account's lock) against the security events that set them."""
        names = {state for state, _ in STATE_EVENTS.values()}
        for key in sorted(set(current) | {k for k in self.states if k[0] in names}):
            state, subject = key
            seq, expected = self.states.get(key, (0, False))
            actual = current.get(key, False)
            if actual != expected:
                if seq:
                    self.fail(
                        seq,
                        f"{state} of {subject} is {actual!r} in the database, but the chain's "
                        f"last event for it set {expected!r} (changed around the trail)",
                    )
                else:
                    self.fail(
                        0,
                        f"{state} of {subject} is {actual!r} without any event that set it "
                        "(changed around the trail)",
                    )

    def rows(self, table: str, current: Mapping[str, Mapping[str, Any]]) -> None:
        """State check: the current rows of an audited table against their events."""
        for pk, image in current.items():
            seq, expected = self.images.get((table, pk), (0, None))
            if seq == 0:
                self.fail(0, f"row {table}:{pk} has no audit event (written around the trail)")
            elif expected is None:
                self.fail(seq, f"row {table}:{pk} exists, but its last event deleted it")
            elif canonical_json(dict(image)) != canonical_json(expected):
                fields = sorted(
                    k for k in set(image) | set(expected) if image.get(k) != expected.get(k)
                )
                self.fail(
                    seq,
                    f"row {table}:{pk} differs from its last audit event "
                    f"(edited around the trail: {', '.join(fields)})",
                )
        for (tbl, pk), (seq, last) in self.images.items():
            if tbl == table and last is not None and pk not in current:
                self.fail(seq, f"row {table}:{pk} was deleted without an audit event")

    def witness(self, journals: list[tuple[str, list[dict[str, Any]]]]) -> None:
        """Checkpoint heads witnessed outside the database against the chain.

        Each journal must be intact (linked, numbered, signed by a trusted key)
        and belong to this chain; every head it witnessed must be in the chain
        as it was, and the chain must reach the last of them.
        """
        if not journals:
            return
        last_seq = self.expected - 1
        summaries: list[str] = []
        for name, entries in journals:
            for line, problem in link_problems(entries):
                self.fail(0, f"witness journal {name} line {line} {problem}")
            top = 0
            for entry in entries:
                top = max(top, self._witnessed(name, entry, last_seq))
            summaries.append(f"{len(entries)} witnessed checkpoint(s) up to seq {top} in {name}")
        if all(entries for _, entries in journals):
            self.anchoring = "anchored: " + "; ".join(summaries)

    def _witnessed(self, name: str, entry: dict[str, Any], last_seq: int) -> int:
        where = f"witness journal {name} line {entry['_line']}"
        event_seq = int(entry.get("event_seq") or 0)
        key = self.trusted.get(str(entry.get("key_id")))
        if key is None:
            self.fail(event_seq, f"{where} is signed by key {entry.get('key_id')}, not trusted")
        elif not _valid(key, str(entry.get("signature", "")), signed_payload(entry)):
            self.fail(event_seq, f"{where}: its signature does not verify (the line was edited)")
        if self.chain_id and entry.get("chain") != self.chain_id:
            self.fail(
                1,
                f"{where} witnesses a chain whose first event hash is {entry.get('chain')}; "
                f"this chain's is {self.chain_id} (rebuilt from genesis?)",
                chain=True,
            )
            return event_seq
        if event_seq > last_seq:
            self.fail(
                last_seq + 1,
                f"missing: the chain ends at seq {last_seq}, but {where} witnessed its "
                f"checkpoint at seq {event_seq} (the chain's tail was removed)",
                chain=True,
            )
            return event_seq
        found = self.checkpoint_events.get(event_seq)
        if found is None:
            self.fail(
                event_seq,
                f"the checkpoint witnessed at seq {event_seq} ({where}) is not in the chain",
                chain=True,
            )
            return event_seq
        before, own_hash, content = found
        if (
            before != entry.get("head_hash")
            or own_hash != entry.get("event_hash")
            or content.get("head_seq") != entry.get("head_seq")
        ):
            self.fail(
                event_seq,
                f"the chain differs from the head witnessed at seq {event_seq} ({where}): "
                "events up to it were rewritten",
                chain=True,
            )
        return event_seq

    def finish(self) -> Result:
        for sig_id, (seq, _) in sorted(self.signatures.items()):
            if sig_id not in self.seen_signature_rows:
                self.fail(seq, f"signature {sig_id} has an event but no row (its row was deleted)")
        for cp_id, (seq, _) in sorted(self.checkpoints.items()):
            if cp_id not in self.seen_checkpoint_rows:
                self.fail(seq, f"checkpoint {cp_id} has an event but no row (its row was deleted)")
        return Result(self.expected - 1, self.prev, self.failures, self.notes, self.anchoring)


# --- the export file ----------------------------------------------------------------------

NOT_ANCHORED = (
    "not anchored: no witness journal was given, so a database superuser who rewrote the "
    "whole chain would not be seen (add --witness JOURNAL)"
)


def read_export(lines: Iterable[str], first_line: int = 1) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        try:
            item = parse_json(line)
        except ValueError as exc:
            raise ValueError(f"line {number} is not JSON: {exc}") from exc
        if not isinstance(item, dict):
            raise ValueError(f"line {number} is not an object")
        yield item


def verify_export(
    lines: Iterable[str],
    public_keys: list[str],
    *,
    parallel: bool | None = None,
    witness: list[tuple[str, list[dict[str, Any]]]] | None = None,
) -> Result:
    stream = iter(lines)
    first = next(stream, "")
    try:
        header = parse_json(first) if first.strip() else None
    except ValueError as exc:
        raise ValueError(f"line 1 is not JSON: {exc}") from exc
    if (
        not isinstance(header, dict)
        or header.get("format") != EXPORT_FORMAT
        or (header.get("version") != 1)
    ):
        raise ValueError(f"not a {EXPORT_FORMAT} version 1 file")
    side: list[dict[str, Any]] = []
    # Canonical JSON sorts keys: an event line ends with its "type" member.
    event_tail = '"type":"event"}'

    def event_batches() -> Iterator[list[str]]:
        batch: list[str] = []
        for number, line in enumerate(stream, start=2):
            text = line.rstrip("\n")
            if not text.strip():
                continue
            if text.endswith(event_tail):
                batch.append(text)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            else:
                side.extend(read_export([text], first_line=number))
        if batch:
            yield batch

    if parallel is None:
        parallel = int(header.get("events", 0)) >= PARALLEL_FROM
    segments = checked_segments(event_batches(), check_lines, parallel)
    result = verify_parts(header, segments, lambda: side, public_keys, witness=witness)
    if witness is None:
        result.anchoring = NOT_ANCHORED
    return result


def verify_parts(
    header: Mapping[str, Any],
    segments: Iterable[Segment],
    side_items: Callable[[], Iterable[dict[str, Any]]],
    public_keys: list[str],
    *,
    witness: list[tuple[str, list[dict[str, Any]]]] | None = None,
) -> Result:
    """Verify the chain's checked segments (in order), then the side items and the witness
    journals, trusting `public_keys` (PEM) when given, else the keys in the header."""
    export_keys = [load_public_key(k["public_key_pem"]) for k in header.get("keys", [])]
    given = [load_public_key(pem) for pem in public_keys]
    verifier = Verifier(given or export_keys)
    if not given:
        verifier.notes.append(
            "no --public-key given: checkpoints and signatures are checked against the "
            "keys inside the export itself"
        )
    for segment in segments:
        verifier.segment(segment)
    if verifier.broken:
        verifier.notes.append(
            "the chain is broken: what follows a break is reported too, but cannot be trusted"
        )
    records: dict[tuple[str, str], Mapping[str, Any] | None] = {}
    rows: dict[str, dict[str, Mapping[str, Any]]] = {
        t: {} for t in [*header.get("audited_tables", []), *verifier.audited_tables()]
    }
    states: dict[tuple[str, str], Any] = {}
    catalogue_seen = False
    for item in side_items():
        kind = item.pop("type", None)
        if kind == "signature":
            verifier.signature_row(item["row"], item["sealed"])
        elif kind == "checkpoint":
            verifier.checkpoint_row(item)
        elif kind == "record":
            records[(item["table"], str(item["pk"]))] = item["content"]
        elif kind == "row":
            rows.setdefault(item["table"], {})[str(item["pk"])] = item["image"]
        elif kind == "state":
            states[(str(item["state"]), str(item["subject"]))] = item["value"]
        elif kind == "catalogue":
            catalogue_seen = True
            verifier.catalogue_state(item)
        else:
            raise ValueError(f"unknown line type {kind!r}")
    if not catalogue_seen:
        verifier.catalogue_state({})
    verifier.signed_records(records)
    for table, current in rows.items():
        verifier.rows(table, current)
    verifier.current_states(states)
    verifier.witness(witness or [])
    if witness is not None and not verifier.anchoring:
        verifier.anchoring = (
            "not anchored: the witness journal holds no checkpoint of this chain yet"
        )
    return verifier.finish()


def print_result(result: Result, out: Callable[[str], None], err: Callable[[str], None]) -> None:
    """The contract's line on stdout, the anchoring on a second line; the rest on stderr."""
    for note in result.notes:
        err(f"note: {note}")
    out(result.line())
    if result.anchoring:
        out(result.anchoring)
    others = result.others()
    for failure in others[:MORE_FAILURES_SHOWN]:
        err(f"also: {failure.line()}")
    if len(others) > MORE_FAILURES_SHOWN:
        err(f"also: {len(others) - MORE_FAILURES_SHOWN} more problem(s) not shown")


MORE_FAILURES_SHOWN = 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verify",
        description="Verify a Ledgerline audit export offline.",
    )
    parser.add_argument("file", help="the JSON Lines file written by manage.py audit_export")
    parser.add_argument(
        "--public-key",
        action="append",
        default=[],
        metavar="PEM",
        help="a trusted server public key (PEM file); repeatable",
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=None,
        metavar="JOURNAL",
        help="a witness journal of the chain's checkpoints (from the application host's "
        "witness directory or its mirror); repeatable",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        keys = [Path(path).read_text(encoding="ascii") for path in args.public_key]
        witness = (
            [(path, read_journal(path)) for path in args.witness]
            if args.witness is not None
            else None
        )
        with open(args.file, encoding="utf-8") as handle:
            result = verify_export(handle, keys, witness=witness)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_result(result, print, lambda text: print(text, file=sys.stderr))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
