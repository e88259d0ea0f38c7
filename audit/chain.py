"""Sealing: numbering and hashing the transaction's events under the chain lock."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from audit.canonical import GENESIS_HASH, event_hash

# pg_advisory_xact_lock key of the one audit chain ("LEDGERLN" in ASCII).
CHAIN_LOCK_KEY = 0x4C45444745524C4E & 0x7FFFFFFFFFFFFFFF

_PENDING_SQL = """
    SELECT id, occurred_at, actor_id, actor_username, action, table_name, record_pk,
           changes, reason, request_id
    FROM audit_event
    WHERE seq IS NULL AND txid = txid_current()
    ORDER BY id
"""


def seal_pending() -> int:
    """Seal every unsealed event of the current transaction; return how many.

    Takes the chain's advisory lock (held to commit), so concurrent writers
    are serialised and can neither fork nor gap the chain.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be sealed inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(_PENDING_SQL)
        pending = cursor.fetchall()
        if not pending:
            return 0
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        cursor.execute(
            "SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        )
        head = cursor.fetchone()
        seq, prev = (head[0], head[1]) if head else (0, GENESIS_HASH)
        updates: list[tuple[int, str, str, int]] = []
        for row in pending:
            seq += 1
            event: dict[str, Any] = {
                "seq": seq,
                "occurred_at": row[1],
                "actor": {"id": row[2], "username": row[3]},
                "action": row[4],
                "table": row[5],
                "pk": row[6],
                "changes": json.loads(row[7]) if isinstance(row[7], str) else row[7],
                "reason": row[8],
                "request_id": row[9],
                "prev_hash": prev,
            }
            digest = event_hash(event)
            updates.append((seq, prev, digest, row[0]))
            prev = digest
        cursor.executemany(
            "UPDATE audit_event SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
            updates,
        )
    return len(updates)


def chain_head() -> tuple[int, str]:
    """(seq, hash) of the last sealed event, or (0, genesis) for an empty chain."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
        )
        head = cursor.fetchone()
    return (int(head[0]), str(head[1])) if head else (0, GENESIS_HASH)


def seal_migration_events(apps: Any, schema_editor: Any) -> None:
    """RunPython step: seal the events a migration wrote (its baseline of existing rows)."""
    seal_pending()
