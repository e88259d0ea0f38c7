"""Accepted samples written: a permit, COPY (through a staging table when the unique index
objects), the ingest batch row and its audit event, the announcement. The rollups are not
touched here: the database records the minutes stored as owed, and the background drain
recomputes them (historian.rollups)."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import psycopg
from django.db import connection, transaction

from audit.context import audit_context
from historian.digest import canonical_value
from historian.errors import IngestConflict
from historian.ingest.samples import Accepted
from historian.models import IngestBatch
from historian.quality import QUALITY_NAMES
from historian.signals import samples_stored


def store(
    *, actor: Any, source: str, ingest_key: str, samples: Accepted, requested: str
) -> dict[str, Any]:
    """Store validated samples under a new ingest batch (its audit event in the same
    transaction); returns the 201 body. Raises IngestConflict, storing nothing."""
    with audit_context(actor=actor, reason=""):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('historian_ingest_batch', 'id'))")
            batch_id = int(cursor.fetchone()[0])
        _permit(batch_id, samples.tag_ids())
        accepted, duplicates = _write_samples(samples, batch_id)
        # All accepted: the digest of the stored samples is the request's.
        digest = requested if not duplicates else accepted.digest()
        body = {
            "ingest_id": batch_id,
            "accepted": len(accepted),
            "duplicates": duplicates,
            "sha256": digest,
        }
        first, last = accepted.first_last()
        IngestBatch.objects.create(
            id=batch_id,
            source=source,
            ingest_key=ingest_key,
            account=actor,
            request_sha256=requested,
            sample_count=len(accepted),
            duplicate_count=duplicates,
            first_ts=first,
            last_ts=last,
            sha256=digest,
            tag_ids=accepted.tag_ids(),
            response=body,
        )
        if len(accepted):
            announcement = {
                "ingest_id": batch_id,
                "tags": sorted(set(accepted.tag)),
                "start": first,
                "end": last,
            }
            transaction.on_commit(
                # robust: a receiver that fails is logged; what was stored stays acknowledged
                lambda: samples_stored.send(sender=IngestBatch, **announcement),
                robust=True,
            )
    return body


def _permit(batch_id: int, tag_ids: list[int]) -> None:
    """Take this transaction's permit to store samples of these tags under the batch
    (historian_ingest_permit: the hypertable refuses samples without one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO historian_ingest_permit (batch_id, tag_id) "
            "SELECT %s, unnest(%s::integer[])",
            [batch_id, tag_ids],
        )


COLUMNS = "ts, value_num, tag_id, batch_id, quality, value_text"
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_COPY_TRAILER = struct.pack("!h", -1)
# A row of binary COPY when every value is a number (no text, no null): the field count, then
# each field's length and bytes (ts, value_num, tag_id, batch_id, quality, value_text null).
_NUMBER_ROW = np.dtype(
    [("fields", ">i2"), ("ts_len", ">i4"), ("ts", ">i8"), ("num_len", ">i4"), ("num", ">f8"),
     ("tag_len", ">i4"), ("tag", ">i4"), ("batch_len", ">i4"), ("batch", ">i4"),
     ("quality_len", ">i4"), ("quality", ">i2"), ("text_len", ">i4")]
)  # fmt: skip


def _number_rows(samples: Accepted, batch_id: int) -> bytes:
    """The binary COPY stream of samples that are all numbers, built over columns."""
    rows = np.empty(len(samples), dtype=_NUMBER_ROW)
    rows["fields"] = 6
    rows["ts_len"], rows["num_len"] = 8, 8
    rows["tag_len"], rows["batch_len"], rows["quality_len"] = 4, 4, 2
    rows["text_len"] = -1
    rows["ts"] = samples.ts_us
    rows["num"] = samples.value_num
    rows["tag"] = samples.tag_id
    rows["batch"] = batch_id
    rows["quality"] = samples.quality_codes()
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _copy_rows(
    cursor: Any, table: str, samples: Accepted, batch_id: int, with_index: bool = False
) -> None:
    columns = COLUMNS + (", idx" if with_index else "")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        if samples.numbers_only and not with_index:
            copy.write(_number_rows(samples, batch_id))
            return
        types = ["timestamptz", "float8", "int4", "int4", "int2", "text"]
        copy.set_types([*types, "int4"] if with_index else types)
        codes = samples.quality_codes().tolist()
        numbers = samples.value_num.tolist()
        has_num = samples.has_num.tolist()
        tag_ids = samples.tag_id.tolist()
        for k in range(len(samples)):
            row = (
                samples.when(k),
                numbers[k] if has_num[k] else None,
                tag_ids[k],
                batch_id,
                codes[k],
                samples.value_str[k],
            )
            copy.write_row((*row, samples.index[k]) if with_index else row)


def _write_samples(samples: Accepted, batch_id: int) -> tuple[Accepted, int]:
    """COPY the samples; returns (newly stored, duplicates). Raises IngestConflict."""
    connection.ensure_connection()
    raw = connection.connection
    try:
        with transaction.atomic(), raw.cursor() as cursor:
            _copy_rows(cursor, "historian_sample", samples, batch_id)
        return samples, 0
    except psycopg.errors.UniqueViolation:  # some (tag, ts) is stored already: sort them out
        return _write_staged(samples, batch_id)


def _write_staged(samples: Accepted, batch_id: int) -> tuple[Accepted, int]:
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
        position = {index: k for k, index in enumerate(samples.index)}
        conflicts = []
        for index, (value_num, value_str, quality) in stored.items():
            k = position[index]
            old_value = canonical_value(samples.value_type[k], value_num, value_str)
            old_quality = QUALITY_NAMES[quality]
            if (old_value, old_quality) != (samples.canonical[k], samples.quality[k]):
                conflicts.append(
                    {
                        "index": index,
                        "field": "value",
                        "error": f"conflicts with the stored sample ({old_value}, "
                        f"{old_quality}) at {samples.ts_text[k]}",
                    }
                )
        if conflicts:
            raise IngestConflict(
                f"{len(conflicts)} sample(s) conflict with stored originals",
                items=sorted(conflicts, key=lambda c: c["index"]),
            )
        cursor.execute(
            f"INSERT INTO historian_sample ({COLUMNS}) SELECT {COLUMNS} FROM historian_stage "
            "WHERE NOT (idx = ANY(%s))",
            [list(stored)],
        )
        cursor.execute("TRUNCATE historian_stage")
    keep = np.array([index not in stored for index in samples.index], dtype=bool)
    return samples.take(keep), len(stored)
