"""Accepted samples written: a permit, COPY (through a staging table when the unique index
objects), the ingest batch row and its audit event, the rollups, the announcement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from django.db import connection, transaction

from audit.context import audit_context
from historian.digest import canonical_value, digest_lines
from historian.errors import IngestConflict
from historian.ingest.samples import Sample
from historian.models import IngestBatch
from historian.quality import QUALITY_CODES, QUALITY_NAMES
from historian.signals import samples_stored


def store(
    *, actor: Any, source: str, ingest_key: str, samples: list[Sample], requested: str
) -> dict[str, Any]:
    """Store validated samples under a new ingest batch (its audit event in the same
    transaction); returns the 201 body. Raises IngestConflict, storing nothing."""
    with audit_context(actor=actor, reason=""):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('historian_ingest_batch', 'id'))")
            batch_id = int(cursor.fetchone()[0])
        _permit(batch_id, {s.tag_id for s in samples})
        accepted, duplicates = _write_samples(samples, batch_id)
        # All accepted: the digest of the stored samples is the request's.
        digest = requested if not duplicates else digest_lines(sorted(s.line for s in accepted))
        body = {
            "ingest_id": batch_id,
            "accepted": len(accepted),
            "duplicates": duplicates,
            "sha256": digest,
        }
        IngestBatch.objects.create(
            id=batch_id,
            source=source,
            ingest_key=ingest_key,
            account=actor,
            request_sha256=requested,
            sample_count=len(accepted),
            duplicate_count=duplicates,
            first_ts=min((s.ts for s in accepted), default=None),
            last_ts=max((s.ts for s in accepted), default=None),
            sha256=digest,
            tag_ids=sorted({s.tag_id for s in accepted}),
            response=body,
        )
        _refresh_rollups_of(accepted)
        if accepted:
            announcement = {
                "ingest_id": batch_id,
                "tags": sorted({s.tag for s in accepted}),
                "start": min(s.ts for s in accepted),
                "end": max(s.ts for s in accepted),
            }
            transaction.on_commit(
                # robust: a receiver that fails is logged; what was stored stays acknowledged
                lambda: samples_stored.send(sender=IngestBatch, **announcement),
                robust=True,
            )
    return body


def _permit(batch_id: int, tag_ids: set[int]) -> None:
    """Take this transaction's permit to store samples of these tags under the batch
    (historian_ingest_permit: the hypertable refuses samples without one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO historian_ingest_permit (batch_id, tag_id) "
            "SELECT %s, unnest(%s::integer[])",
            [batch_id, sorted(tag_ids)],
        )


def _copy_rows(
    cursor: Any, table: str, samples: list[Sample], batch_id: int, with_index: bool = False
) -> None:
    columns = "ts, value_num, tag_id, batch_id, quality, value_text"
    types = ["timestamptz", "float8", "int4", "int4", "int2", "text"]
    if with_index:
        columns += ", idx"
        types.append("int4")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for s in samples:
            row = (s.ts, s.value_num, s.tag_id, batch_id, QUALITY_CODES[s.quality], s.value_str)
            copy.write_row((*row, s.index) if with_index else row)


def _write_samples(samples: list[Sample], batch_id: int) -> tuple[list[Sample], int]:
    """COPY the samples; returns (newly stored, duplicates). Raises IngestConflict."""
    connection.ensure_connection()
    raw = connection.connection
    try:
        with transaction.atomic(), raw.cursor() as cursor:
            _copy_rows(cursor, "historian_sample", samples, batch_id)
        return samples, 0
    except psycopg.errors.UniqueViolation:  # some (tag, ts) is stored already: sort them out
        return _write_staged(samples, batch_id)


def _write_staged(samples: list[Sample], batch_id: int) -> tuple[list[Sample], int]:
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS historian_stage "
            "(LIKE historian_sample INCLUDING DEFAULTS, idx integer) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE historian_stage")
        _copy_rows(cursor, "historian_stage", samples, batch_id, with_index=True)
        cursor.execute(
            "SELECT st.idx, s.value_num, s.value_text, s.quality FROM historian_stage st "
            "JOIN historian_sample s ON s.tag_id = st.tag_id AND s.ts = st.ts"
        )
        stored = {row[0]: row[1:] for row in cursor.fetchall()}
        by_index = {s.index: s for s in samples}
        conflicts = []
        for index, (value_num, value_str, quality) in stored.items():
            sample = by_index[index]
            old_value = canonical_value(sample.value_type, value_num, value_str)
            old_quality = QUALITY_NAMES[quality]
            if (old_value, old_quality) != (sample.value_canonical, sample.quality):
                conflicts.append(
                    {
                        "index": index,
                        "field": "value",
                        "error": f"conflicts with the stored sample ({old_value}, "
                        f"{old_quality}) at {sample.ts_text}",
                    }
                )
        if conflicts:
            raise IngestConflict(
                f"{len(conflicts)} sample(s) conflict with stored originals",
                items=sorted(conflicts, key=lambda c: c["index"]),
            )
        cursor.execute(
            "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id, quality, value_text) "
            "SELECT ts, value_num, tag_id, batch_id, quality, value_text FROM historian_stage "
            "WHERE NOT (idx = ANY(%s))",
            [list(stored)],
        )
        cursor.execute("TRUNCATE historian_stage")
    accepted = [s for s in samples if s.index not in stored]
    return accepted, len(stored)


def _refresh_rollups_of(samples: list[Sample]) -> None:
    pairs = {(s.tag_id, s.minute) for s in samples if s.value_type != "string"}
    if not pairs:
        return
    refresh_rollups(pairs)


def refresh_rollups(pairs: set[tuple[int, datetime]]) -> None:
    """Recompute the minute rollups of these (tag, minute) pairs, then their hours, through
    the database's one rollup writer (historian_refresh_rollups)."""
    tags, buckets = zip(*sorted(pairs), strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT historian_refresh_rollups(%s::integer[], %s::timestamptz[])",
            [list(tags), list(buckets)],
        )
