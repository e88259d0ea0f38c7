"""Verification of the audit chain, signatures, checkpoints and audited rows.

One implementation serves both `manage.py audit_verify` (fed from the
database) and the standalone verifier an auditor runs on a laptop:

    python -m audit.verify EXPORT.jsonl [--public-key KEY.pem]...

which needs the standard library and `cryptography` only: no Django, no
database. Intact: exit 0 and `OK <N> events head <hash>`. Broken: exit 1 and
`FAIL event <seq>: <what is wrong>` for the first bad event. Usage or input
error: exit 2.
"""

from __future__ import annotations

import argparse
import json
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

from audit.canonical import GENESIS_HASH, canonical_json, event_hash, sha256_hex

EXPORT_FORMAT = "ledgerline-audit-export"
ROW_ACTIONS = frozenset({"insert", "update", "delete"})
KEPT_ACTIONS = ROW_ACTIONS | {"signature", "checkpoint"}
PREV_MISMATCH = (
    "prev_hash does not link to the previous event (an event was removed, inserted or moved)"
)
ALTERED = "content does not match its hash (the event was altered)"
BATCH = 5_000
PARALLEL_FROM = 50_000  # events: below this, worker processes cost more than they save
CHECKPOINT_SIGNED = ("head_seq", "head_hash", "created_at", "key_id", "public_key")
SIGNATURE_SEALED_EXCLUDES = frozenset({"server_signature"})


@dataclass(order=True)
class Failure:
    sort_key: float
    seq: int = field(compare=False)
    message: str = field(compare=False)

    def line(self) -> str:
        return f"FAIL event {self.seq}: {self.message}"


@dataclass
class Result:
    events: int
    head: str
    failures: list[Failure]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first(self) -> Failure | None:
        return min(self.failures) if self.failures else None

    def line(self) -> str:
        first = self.first
        return first.line() if first else f"OK {self.events} events head {self.head}"


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

    Only what the chain's order needs crosses back: its ends, the first problem
    inside it, and the events whose content is checked further (`kept`, each
    with the hash of the event before it).
    """

    first_seq: int
    first_prev: str
    last_seq: int
    last_hash: str
    problem: tuple[int, str] | None
    kept: list[tuple[int, str, Mapping[str, Any]]]


def summarize(checked: list[Checked]) -> Segment:
    """Check the links inside a batch and keep what the main process needs."""
    first = checked[0]
    problem: tuple[int, str] | None = None
    kept: list[tuple[int, str, Mapping[str, Any]]] = []
    previous: Checked | None = None
    for item in checked:
        if previous is not None:
            if item.seq != previous.seq + 1:
                problem = (previous.seq + 1, f"missing: the chain continues with seq {item.seq}")
                break
            if item.prev_hash != previous.hash:
                problem = (item.seq, PREV_MISMATCH)
                break
        if not item.hash_ok:
            problem = (item.seq, ALTERED)
            break
        if item.event is not None:
            kept.append((item.seq, item.prev_hash, item.event))
        previous = item
    last = previous or first
    return Segment(first.seq, first.prev_hash, last.seq, last.hash, problem, kept)


def check_event(ev: Mapping[str, Any]) -> Checked:
    ok = event_hash(ev) == ev["hash"]
    keep = ev if (ev["action"] in KEPT_ACTIONS or not ok) else None
    return Checked(int(ev["seq"]), str(ev["prev_hash"]), str(ev["hash"]), ok, keep)


_HASH_MEMBER = ',"hash":"'
_TYPE_MEMBER = ',"type":"event"}'
_SECURITY_PREFIX = '{"action":"security",'


def check_line(line: str) -> Checked:
    """Re-hash one event line of an export.

    An event line is the canonical JSON of the event plus its `hash` and `type`
    members; with keys sorted, cutting those two members out leaves exactly
    the canonical bytes that were hashed. Security events (most of a chain)
    are checked that way without parsing; every other event is parsed too,
    for the checks that need its content.
    """
    if line.startswith(_SECURITY_PREFIX) and line.endswith(_TYPE_MEMBER):
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
                return check_event(json.loads(line))
            ok = sha256_hex(content.encode("utf-8")) == digest
            return Checked(seq, content[prev_at : prev_at + 64], digest, ok, None)
    return check_event(json.loads(line))


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
        self.signatures: dict[str, tuple[int, dict[str, Any]]] = {}
        self.checkpoints: dict[str, tuple[int, dict[str, Any]]] = {}
        self.images: dict[tuple[str, str], tuple[int, dict[str, Any] | None]] = {}
        self.audited_tables: set[str] = set()

    # --- the chain ------------------------------------------------------------------
    def fail(self, seq: int, message: str) -> None:
        self.failures.append(Failure(float(seq) if seq > 0 else float("inf"), seq, message))

    def segment(self, segment: Segment) -> None:
        """The next batch of the chain, in order."""
        if self.broken:
            return
        if segment.first_seq != self.expected:
            self._break(self.expected, f"missing: the chain continues with seq {segment.first_seq}")
            return
        if segment.first_prev != self.prev:
            self._break(segment.first_seq, PREV_MISMATCH)
            return
        for seq, before, ev in segment.kept:
            action = ev["action"]
            if action in ROW_ACTIONS:
                self._fold(seq, ev)
            elif action == "signature":
                self._signature_event(seq, ev)
            elif action == "checkpoint":
                self._checkpoint_event(seq, ev, before)
        if segment.problem is not None:
            self._break(*segment.problem)
            return
        self.prev = segment.last_hash
        self.expected = segment.last_seq + 1

    def _break(self, seq: int, message: str) -> None:
        self.broken = True
        self.fail(seq, message)

    def _fold(self, seq: int, ev: Mapping[str, Any]) -> None:
        key = (str(ev["table"]), str(ev["pk"]))
        self.audited_tables.add(key[0])
        changes: Mapping[str, list[Any]] = ev["changes"]
        if ev["action"] == "delete":
            self.images[key] = (seq, None)
            return
        _, image = self.images.get(key, (0, None))
        image = {} if image is None or ev["action"] == "insert" else dict(image)
        for name, (_, new) in changes.items():
            image[name] = new
        self.images[key] = (seq, image)

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

    def rows(self, table: str, current: Mapping[str, Mapping[str, Any]]) -> None:
        """State check: the current rows of an audited table against their events."""
        self.audited_tables.add(table)
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

    def finish(self) -> Result:
        return Result(self.expected - 1, self.prev, self.failures, self.notes)


# --- the export file ----------------------------------------------------------------------


def read_export(lines: Iterable[str], first_line: int = 1) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number} is not JSON: {exc}") from exc
        if not isinstance(item, dict):
            raise ValueError(f"line {number} is not an object")
        yield item


def verify_export(
    lines: Iterable[str], public_keys: list[str], *, parallel: bool | None = None
) -> Result:
    stream = iter(lines)
    first = next(stream, "")
    try:
        header = json.loads(first) if first.strip() else None
    except json.JSONDecodeError as exc:
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
    return verify_parts(header, segments, lambda: side, public_keys)


def verify_parts(
    header: Mapping[str, Any],
    segments: Iterable[Segment],
    side_items: Callable[[], Iterable[dict[str, Any]]],
    public_keys: list[str],
) -> Result:
    """Verify the chain's checked segments (in order), then the side items, trusting `public_keys`
    (PEM) when given, else the keys in the header."""
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
        # Past a break nothing the chain says can be trusted: it is the first failure.
        return verifier.finish()
    records: dict[tuple[str, str], Mapping[str, Any] | None] = {}
    rows: dict[str, dict[str, Mapping[str, Any]]] = {
        t: {} for t in header.get("audited_tables", [])
    }
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
        else:
            raise ValueError(f"unknown line type {kind!r}")
    verifier.signed_records(records)
    for table, current in rows.items():
        verifier.rows(table, current)
    return verifier.finish()


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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        keys = [Path(path).read_text(encoding="ascii") for path in args.public_key]
        with open(args.file, encoding="utf-8") as handle:
            result = verify_export(handle, keys)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(result.line())
    for failure in sorted(result.failures)[1:21]:
        print(f"also: {failure.line()}", file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
