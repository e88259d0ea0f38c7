"""Writing checkpoint heads to the witness journal(s) on the application host.

The journal lives in LEDGERLINE_WITNESS_DIR (default `.state/witness/` in the
checkout: written by the application's OS user, mode 0700, never under
`.data/`, which the `postgres` OS user owns), one file per chain
(`audit.journal.journal_name`). LEDGERLINE_WITNESS_MIRROR_DIR names a second
store (another disk, a mounted WORM or remote share) that receives the same
lines. A checkpoint is witnessed after its transaction commits: a head that
never committed is never witnessed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.canonical import format_ts
from audit.events import record_security_event
from audit.journal import append_entry, journal_name, read_journal
from audit.keys import load_key
from audit.models import Checkpoint

logger = logging.getLogger("ledgerline.audit")


def witness_dirs() -> list[Path]:
    dirs = [Path(settings.WITNESS_DIR)]
    if settings.WITNESS_MIRROR_DIR:
        dirs.append(Path(settings.WITNESS_MIRROR_DIR))
    return dirs


def chain_identity() -> str:
    """The hash of event seq 1: a chain's identity ("" for an empty chain)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_event WHERE seq = 1")
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def journal_paths(chain_id: str) -> list[Path]:
    return [directory / journal_name(chain_id) for directory in witness_dirs()]


def configured_journals(chain_id: str) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """The journals the in-app verifier checks, or None when there is none at all yet.

    When the primary directory holds no journal of this chain but journals of
    other chains, those are returned: a chain rebuilt from genesis then fails
    against what was witnessed before (`make db-reset` moves old journals aside).
    """
    journals = [(str(p), read_journal(p)) for p in journal_paths(chain_id) if p.is_file()]
    if journals:
        return journals
    primary = witness_dirs()[0]
    others = sorted(primary.glob("chain-*.jsonl")) if primary.is_dir() else []
    if others:
        return [(str(p), read_journal(p)) for p in others]
    return None


def witness_checkpoint(*, checkpoint_id: int, event_seq: int, event_hash: str) -> None:
    """Append the committed checkpoint to every configured journal (after commit).

    A failure to write is logged and recorded in the chain as a security
    event; the status page shows the journal behind until the next checkpoint
    catches it up.
    """

    checkpoint = Checkpoint.objects.get(pk=checkpoint_id)
    key = load_key(checkpoint.key_id)
    fields = {
        "chain": chain_identity(),
        "checkpoint_id": checkpoint.pk,
        "head_seq": checkpoint.head_seq,
        "head_hash": checkpoint.head_hash,
        "event_seq": event_seq,
        "event_hash": event_hash,
        "created_at": format_ts(checkpoint.created_at),
        "witnessed_at": format_ts(timezone.now()),
        "key_id": key.key_id,
    }
    for path in journal_paths(str(fields["chain"])):
        try:
            append_entry(path, fields, key.sign)
        except OSError as exc:
            logger.error("could not write the witness journal %s: %s", path, exc)
            record_security_event(
                actor="system:witness",
                event="witness_write_failed",
                subject=str(path)[:150],
                details={"checkpoint": checkpoint.pk, "error": str(exc)[:300]},
            )


def witness_status() -> dict[str, Any]:
    """Where the journal is and how far it reaches, for the status page."""
    chain_id = chain_identity()
    paths = journal_paths(chain_id) if chain_id else []
    entries: list[dict[str, Any]] = []
    if paths and paths[0].is_file():
        try:
            entries = read_journal(paths[0])
        except (OSError, ValueError) as exc:
            return {"path": str(paths[0]), "entries": 0, "last_seq": None, "error": str(exc)}
    return {
        "path": str(paths[0]) if paths else str(witness_dirs()[0]),
        "mirror": str(paths[1]) if len(paths) > 1 else None,
        "entries": len(entries),
        "last_seq": max((int(e["event_seq"]) for e in entries), default=None),
        "error": None,
    }
