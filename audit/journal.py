"""The witness journal: every checkpoint head, written outside the database.

Standard library only (the signature is made and checked by the callers): the
standalone verifier reads journals with it.

A journal is a JSON Lines file on the application host, one per chain (named
by the chain's identity, the hash of its event seq 1). Each line names a
checkpoint: the chain head it signed (`head_seq`, `head_hash`) and the
checkpoint's own event in the chain (`event_seq`, `event_hash`). Lines are
hash-linked (`prev` is the SHA-256 of the line before, as written) and signed
by the server key over their canonical content without `signature`. The
database cannot write the file, so a database superuser who deletes
checkpoints, cuts the chain's tail or re-hashes it from genesis leaves heads
in the journal that the chain no longer has.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from audit.canonical import GENESIS_HASH, canonical_json, canonical_text, parse_json, sha256_hex

JOURNAL_FORMAT = "ledgerline-witness"
ENTRY_FIELDS = (
    "format",
    "chain",
    "n",
    "prev",
    "checkpoint_id",
    "head_seq",
    "head_hash",
    "event_seq",
    "event_hash",
    "created_at",
    "witnessed_at",
    "key_id",
)


def journal_name(chain_id: str) -> str:
    return f"chain-{chain_id[:16]}.jsonl"


def signed_payload(entry: dict[str, Any]) -> bytes:
    """What the server key signs: the entry without its signature."""
    return canonical_json({k: entry.get(k) for k in ENTRY_FIELDS})


def line_digest(line: str) -> str:
    return sha256_hex(line.rstrip("\n").encode("utf-8"))


def read_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Entries of a journal, each with the digest of its line (`_digest`), in file order."""
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\n")
        if not text.strip():
            continue
        try:
            entry = parse_json(text)
        except ValueError as exc:
            raise ValueError(f"witness journal line {number} is not JSON: {exc}") from exc
        if not isinstance(entry, dict) or entry.get("format") != JOURNAL_FORMAT:
            raise ValueError(f"witness journal line {number} is not a {JOURNAL_FORMAT} entry")
        entry["_digest"] = line_digest(text)
        entry["_line"] = number
        entries.append(entry)
    return entries


def read_journal(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return read_lines(handle)


def append_entry(
    path: Path, fields: dict[str, Any], sign: Callable[[bytes], str]
) -> dict[str, Any]:
    """Append one signed entry under an exclusive lock, linked to the last line; fsync'd."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        previous = [line for line in handle if line.strip()]
        last = previous[-1] if previous else ""
        entry = {
            **fields,
            "format": JOURNAL_FORMAT,
            "n": len(previous) + 1,
            "prev": line_digest(last) if last else GENESIS_HASH,
        }
        entry["signature"] = sign(signed_payload(entry))
        handle.seek(0, os.SEEK_END)
        handle.write(canonical_text(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return entry


def link_problems(entries: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(line, problem) for lines that do not link to the line before or are misnumbered."""
    problems: list[tuple[int, str]] = []
    previous = GENESIS_HASH
    for index, entry in enumerate(entries, start=1):
        if entry.get("n") != index:
            problems.append((entry["_line"], f"is numbered {entry.get('n')}, expected {index}"))
        if entry.get("prev") != previous:
            problems.append((entry["_line"], "does not link to the line before it"))
        previous = entry["_digest"]
    return problems
