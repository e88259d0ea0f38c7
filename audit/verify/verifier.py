"""The Verifier: fed the checked events in order, then the side tables (signature and
checkpoint rows, signed records, audited rows, states, the catalogue) and the witness
journals; `finish()` gives the Result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.canonical import GENESIS_HASH, canonical_json, sha256_hex
from audit.catalogue import STATE_EVENTS, catalogue_problems
from audit.journal import link_problems, signed_payload
from audit.verify.events import PREV_MISMATCH, ROW_ACTIONS, Segment, order_problem
from audit.verify.keys import key_id_of, load_public_key, valid
from audit.verify.result import UNPLACED, Failure, Result

CHECKPOINT_SIGNED = ("head_seq", "head_hash", "created_at", "key_id", "public_key")
SIGNATURE_SEALED_EXCLUDES = frozenset({"server_signature"})


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
        if key is not None and not valid(
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
        if not valid(public, str(content.get("signature", "")), payload):
            self.fail(seq, f"the checkpoint signature does not verify under key {key_id}")
        elif key_id not in self.trusted:
            previous = self.trusted.get(str(content.get("previous_key_id", "")))
            if previous is not None and valid(
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
        elif not valid(key, str(entry.get("signature", "")), signed_payload(entry)):
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
