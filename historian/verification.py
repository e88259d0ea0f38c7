"""Re-hash the stored samples of every ingest batch against the digest in the audit chain.

The sample hypertable's triggers cannot be ENABLE ALWAYS and drop_chunks
bypasses them: this check is what catches a sample changed, removed or added
around the application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from historian.digest import QUALITY_NAMES, canonical_value, digest_lines, sample_line
from historian.models import IngestBatch, Tag

# ts in the canonical text straight from PostgreSQL (what format_ts makes of it).
ROWS_SQL = """
    SELECT tag_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           value_num, value_text, quality FROM historian_sample
    WHERE tag_id = ANY(%s) AND ts >= %s AND ts <= %s AND batch_id = %s
"""


@dataclass
class HistorianResult:
    batches: int
    samples: int
    first_bad: tuple[int, str] | None

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    def line(self) -> str:
        if self.first_bad:
            return f"FAIL ingest {self.first_bad[0]}: {self.first_bad[1]}"
        return f"OK {self.batches} ingest batches {self.samples} samples"


def chain_digests(batch_ids: list[int]) -> dict[int, str]:
    """The digest each batch's insert event put into the audit chain."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT record_pk, changes -> 'sha256' ->> 1 FROM audit_event "
            "WHERE table_name = 'historian_ingest_batch' AND action = 'insert' "
            "AND record_pk = ANY(%s)",
            [[str(b) for b in batch_ids]],
        )
        return {int(pk): digest for pk, digest in cursor.fetchall()}


def batch_lines(batch: IngestBatch, tags: dict[int, tuple[str, str]]) -> Iterator[str]:
    if batch.first_ts is None or batch.last_ts is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(ROWS_SQL, [batch.tag_ids, batch.first_ts, batch.last_ts, batch.pk])
        for tag_id, ts, value_num, value_text, quality in cursor.fetchall():
            name, value_type = tags.get(tag_id, (f"#{tag_id}", "float"))
            yield sample_line(
                name,
                ts,
                canonical_value(value_type, value_num, value_text),
                QUALITY_NAMES.get(quality, str(quality)),
            )


def verify_samples(
    since: datetime | None = None, progress: Callable[[int], None] | None = None
) -> HistorianResult:
    tags = {pk: (name, vt) for pk, name, vt in Tag.objects.values_list("pk", "name", "value_type")}
    batches: Any = IngestBatch.objects.order_by("id")
    if since is not None:
        batches = batches.filter(received_at__gte=since)
    batch_list = list(batches)
    in_chain = chain_digests([b.pk for b in batch_list])
    samples = 0
    for count, batch in enumerate(batch_list, start=1):
        lines = sorted(batch_lines(batch, tags))
        samples += len(lines)
        digest = digest_lines(lines)
        chained = in_chain.get(batch.pk)
        if chained is None:
            return HistorianResult(
                count, samples, (batch.pk, "its digest is not in the audit chain")
            )
        if batch.sha256 != chained:
            return HistorianResult(
                count,
                samples,
                (batch.pk, "the batch row's digest differs from the one in the chain"),
            )
        if len(lines) != batch.sample_count:
            return HistorianResult(
                count,
                samples,
                (batch.pk, f"{len(lines)} samples stored, {batch.sample_count} were accepted"),
            )
        if digest != chained:
            return HistorianResult(
                count,
                samples,
                (batch.pk, "the stored samples do not match the digest in the chain"),
            )
        if progress is not None:
            progress(count)
    return HistorianResult(len(batch_list), samples, None)
