"""Sealing: numbering and hashing the transaction's events under the chain lock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection

from audit.canonical import GENESIS_HASH, event_hash, parse_json

# pg_advisory_xact_lock key of the one audit chain ("LEDGERLN" in ASCII).
CHAIN_LOCK_KEY = 0x4C45444745524C4E & 0x7FFFFFFFFFFFFFFF

# One round trip: take the chain lock, then (in a fresh snapshot) read the head
# and this transaction's unsealed events (SQL function audit_seal_begin).
_SEAL_BEGIN_SQL = "SELECT * FROM audit_seal_begin(%s)"
_HEAD_SQL = "SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"


def seal_pending() -> int:
    """Seal every unsealed event of the current transaction; return how many.

    Takes the chain's advisory lock (held to commit), so concurrent writers
    are serialised and can neither fork nor gap the chain. The head is read
    after the lock, in a fresh snapshot, so it sees every commit made while
    this transaction waited.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be sealed inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(_SEAL_BEGIN_SQL, [CHAIN_LOCK_KEY])
        pending = cursor.fetchall()
        if not pending:
            return 0
        head_seq, head_hash = pending[0][10], pending[0][11]
        seq, prev = (int(head_seq), str(head_hash)) if head_seq is not None else (0, GENESIS_HASH)
        ids: list[int] = []
        seqs: list[int] = []
        prevs: list[str] = []
        hashes: list[str] = []
        for row in pending:
            seq += 1
            event: dict[str, Any] = {
                "seq": seq,
                "occurred_at": row[1],  # canonical text from PostgreSQL
                "actor": {"id": row[2], "username": row[3]},
                "action": row[4],
                "table": row[5],
                "pk": row[6],
                "changes": parse_json(row[7]),
                "reason": row[8],
                "request_id": row[9],
                "prev_hash": prev,
            }
            digest = event_hash(event)
            ids.append(row[0])
            seqs.append(seq)
            prevs.append(prev)
            hashes.append(digest)
            prev = digest
        cursor.execute("SELECT audit_seal_finish(%s, %s, %s, %s)", [ids, seqs, prevs, hashes])
    return len(pending)


def chain_lock_held() -> bool:
    """Whether this connection's transaction holds the chain lock (it has sealed events)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 1)",
            [CHAIN_LOCK_KEY >> 32, CHAIN_LOCK_KEY & 0xFFFFFFFF],
        )
        return bool(cursor.fetchone()[0])


def chain_head() -> tuple[int, str]:
    """(seq, hash) of the last sealed event, or (0, genesis) for an empty chain."""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_SQL)
        head = cursor.fetchone()
    return (int(head[0]), str(head[1])) if head else (0, GENESIS_HASH)


def seal_migration_events(apps: Any, schema_editor: Any) -> None:
    """RunPython step: seal the events a migration wrote (its baseline of existing rows)."""
    seal_pending()


def server_now() -> datetime:
    """The database clock in UTC, read so that no session time zone can shift it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp() AT TIME ZONE 'UTC'")
        naive: datetime = cursor.fetchone()[0]
    return naive.replace(tzinfo=UTC)
