"""The export file (`manage.py audit_export`): read, checked in batches, verified."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from audit.canonical import parse_json
from audit.verify.events import Segment, check_lines, checked_segments
from audit.verify.keys import load_public_key
from audit.verify.result import Result
from audit.verify.verifier import Verifier

EXPORT_FORMAT = "ledgerline-audit-export"
EXTRACT_FORMAT = "ledgerline-audit-extract"
EXTRACT_NOTE = (
    "an extract of the events a filter selected, for reading: it cannot be verified on its "
    "own (the events around it are not in it). Verify the full export instead: Audit > "
    "Export JSON Lines with no filter, or manage.py audit_export --out FILE"
)
BATCH = 5_000
PARALLEL_FROM = 50_000  # events: below this, worker processes cost more than they save

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
    if isinstance(header, dict) and header.get("format") == EXTRACT_FORMAT:
        raise ValueError(f"not verifiable: this file is {EXTRACT_NOTE}")
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
