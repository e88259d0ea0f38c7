"""historian_verify: every stored sample against the ingest batch that accepted it, and the
rollups against the raw samples.

The sample hypertable's triggers cannot be ENABLE ALWAYS, and a superuser can write around
them or drop chunks: this check is what catches a sample changed, removed or added around the
application. Each batch's stored samples are re-hashed against the digest in the chain; every
sample in the hypertable is counted by the batch it names, so a sample no batch accepted is
found wherever it lies. Rollups are derived data with one writer; they are recomputed from
the raw samples (a stated random sample by default, every bucket with `full`).
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from typing import Any

from django.db import connection

from audit.export import snapshot
from historian import verify_worker
from historian.digest import canonical_value, digest_lines, sample_line
from historian.models import IngestBatch, Tag
from historian.quality import QUALITY_NAMES
from historian.sql import (
    HOUR_ROLLUPS,
    MINUTE_ROLLUPS,
    MINUTE_ROLLUPS_ALL,
    MINUTES_ALL,
    ROLLUP_COLUMNS,
)

# ts in the canonical text straight from PostgreSQL (what format_ts makes of it).
ROWS_SQL = """
    SELECT tag_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           value_num, value_text, quality FROM historian_sample
    WHERE tag_id = ANY(%s) AND ts >= %s AND ts <= %s AND batch_id = %s
"""
COUNTS_SQL = "SELECT batch_id, count(*) FROM historian_sample GROUP BY batch_id"
ROLLUP_SAMPLE = 1_000  # minute buckets recomputed by default (and a tenth as many hours)
# Re-hashing runs in worker processes (one per core, at most 4) from this many samples: below
# it, starting the workers (a second or two: each sets Django up) costs more than they save.
PARALLEL_FROM = 1_000_000
TASK_SAMPLES = 50_000  # about this many samples per task handed to a worker
CHUNK = 2_000
_UNNEST = "unnest(%(tags)s::integer[], %(buckets)s::timestamptz[]) AS t(tag_id, bucket)"
PAIRS = f"SELECT t.tag_id, t.bucket FROM {_UNNEST}"
HOURS = f"SELECT t.tag_id, t.bucket AS hour FROM {_UNNEST}"
# Columns compared exactly (counts, times) and with a relative tolerance (sums of floats,
# whose last bits depend on the order PostgreSQL adds them in).
FLOAT_COLUMNS = frozenset({3, 4, 5, 7, 9, 11, 13, 14})
NAMES = ROLLUP_COLUMNS.replace(" ", "").split(",")


@dataclass(frozen=True)
class RollupKind:
    """A kind of stored rollup: how it is recomputed (from the raw samples for minutes, from
    the stored minutes for hours), where it is stored, and what is wrong when one side lacks
    a bucket."""

    name: str
    recompute: str
    table: str
    only_stored: str  # the bucket has a stored rollup and the recomputation has none
    only_recomputed: str


_RAW = "no raw sample lies in this bucket"
_BAD = "no bad sample lies in this bucket"
_HAS_VALUES = "the raw samples have values in this bucket"
_HAS_BAD = "the bucket holds bad samples"
# The plain rollups, and for the buckets holding a bad sample, those with the bad samples'
# values counted in (historian/frozen/v4.py).
ROLLUP_KINDS = {
    "minute": (
        RollupKind("minute", MINUTE_ROLLUPS.format(wanted=PAIRS), "historian_rollup", _RAW,
                   _HAS_VALUES),
        RollupKind("minute with bad samples",
                   f"SELECT * FROM ({MINUTE_ROLLUPS_ALL.format(wanted=PAIRS)}) r "
                   "WHERE bad_count > 0", "historian_rollup_all", _BAD, _HAS_BAD),
    ),
    "hour": (
        RollupKind("hour", HOUR_ROLLUPS.format(wanted=HOURS, minute_table="historian_rollup"),
                   "historian_rollup_hour", _RAW, _HAS_VALUES),
        RollupKind("hour with bad samples",
                   f"SELECT * FROM ({HOUR_ROLLUPS.format(wanted=HOURS, minute_table=MINUTES_ALL)})"
                   " r WHERE bad_count > 0", "historian_rollup_hour_all", _BAD, _HAS_BAD),
    ),
}  # fmt: skip


@dataclass
class HistorianResult:
    batches: int
    samples: int
    failures: list[tuple[str, str]] = field(default_factory=list)
    rollups: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first_bad(self) -> tuple[str, str] | None:
        return self.failures[0] if self.failures else None

    def line(self) -> str:
        if self.failures:
            subject, message = self.failures[0]
            return f"FAIL {subject}: {message}"
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


@dataclass(frozen=True)
class Batch:
    """What re-hashing a batch needs of its row (a worker process receives these)."""

    pk: int
    tag_ids: list[int]
    first_ts: datetime | None
    last_ts: datetime | None
    sample_count: int
    sha256: str

    @classmethod
    def of(cls, row: IngestBatch) -> Batch:
        return cls(row.pk, list(row.tag_ids), row.first_ts, row.last_ts, row.sample_count,
                   row.sha256)  # fmt: skip


def batch_lines(batch: Batch | IngestBatch, tags: dict[int, tuple[str, str]]) -> Iterator[str]:
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


def _batch_problem(batch: Batch, chained: str | None, lines: list[str]) -> str | None:
    if chained is None:
        return "its digest is not in the audit chain"
    if batch.sha256 != chained:
        return "the batch row's digest differs from the one in the chain"
    if len(lines) != batch.sample_count:
        return f"{len(lines)} samples stored, {batch.sample_count} were accepted"
    if digest_lines(lines) != chained:
        return "the stored samples do not match the digest in the chain"
    return None


def verify_samples(
    since: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    rollups: str = "sample",
    workers: int | None = None,
) -> HistorianResult:
    """Every batch (received since `since`) re-hashed, every stored sample counted by the
    batch it names, and the rollups recomputed (`sample`, `full` or `none`), all in one
    snapshot of the database. Every problem is reported, the first on the result's line.

    Re-hashing runs in `workers` processes (default: one per core, at most 4, from
    PARALLEL_FROM samples), each reading its batches in the same snapshot."""
    with _snapshot() as snapshot_id:
        named = Tag.objects.values_list("pk", "name", "value_type")
        tags = {pk: (name, value_type) for pk, name, value_type in named}
        rows: Any = IngestBatch.objects.order_by("id")
        if since is not None:
            rows = rows.filter(received_at__gte=since)
        batch_list = [Batch.of(row) for row in rows]
        in_chain = chain_digests([b.pk for b in batch_list])
        if workers is None:
            many = sum(b.sample_count for b in batch_list) >= PARALLEL_FROM
            workers = min(4, os.cpu_count() or 1) if many and snapshot_id else 1
        result = HistorianResult(len(batch_list), 0)
        done = 0
        for checked in _rehashed(batch_list, tags, in_chain, snapshot_id, workers):
            for pk, count, problem in checked:
                result.samples += count
                if problem:
                    result.failures.append((f"ingest {pk}", problem))
                done += 1
            if progress is not None:
                progress(done)
        result.failures += _uncounted_samples()
        if rollups != "none":
            problems, result.rollups = verify_rollups(full=rollups == "full", tags=tags)
            result.failures += problems
    return result


Checked = list[tuple[int, int, str | None]]  # (batch, samples read, problem)


def check_batches(batches: list[Batch], tags: dict[int, tuple[str, str]],
                  in_chain: dict[int, str]) -> Checked:  # fmt: skip
    checked: Checked = []
    for batch in batches:
        lines = sorted(batch_lines(batch, tags))
        checked.append((batch.pk, len(lines), _batch_problem(batch, in_chain.get(batch.pk),
                                                             lines)))  # fmt: skip
    return checked


def _tasks(batches: list[Batch]) -> Iterator[list[Batch]]:
    task: list[Batch] = []
    size = 0
    for batch in batches:
        task.append(batch)
        size += batch.sample_count
        if size >= TASK_SAMPLES:
            yield task
            task, size = [], 0
    if task:
        yield task


def _rehashed(batches: list[Batch], tags: dict[int, tuple[str, str]], in_chain: dict[int, str],
              snapshot_id: str | None, workers: int) -> Iterator[Checked]:  # fmt: skip
    """The batches checked in order, by this process or by `workers` processes that read the
    database in the snapshot `snapshot_id` (each its own connection)."""
    if workers <= 1 or snapshot_id is None:
        for task in _tasks(batches):
            yield check_batches(task, tags, in_chain)
        return
    database = {k: connection.settings_dict[k] for k in ("NAME", "USER", "PASSWORD", "HOST",
                                                          "PORT")}  # fmt: skip
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=verify_worker.start,
                               initargs=(database, snapshot_id, settings_module))  # fmt: skip
    with pool:
        pending: deque[Future[Checked]] = deque()
        for task in _tasks(batches):
            chained = {b.pk: in_chain[b.pk] for b in task if b.pk in in_chain}
            pending.append(pool.submit(check_batches, task, tags, chained))
            if len(pending) > workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@contextmanager
def _snapshot() -> Iterator[str | None]:
    """One consistent view for the whole check (audit.export.snapshot: REPEATABLE READ when
    this is the outermost transaction), exported so that worker processes read the same;
    None inside a caller's transaction (no snapshot to share: its own uncommitted rows would be
    invisible to the workers)."""
    outermost = not connection.in_atomic_block
    with snapshot():
        if not outermost:
            yield None
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            yield str(cursor.fetchone()[0])


def _uncounted_samples() -> list[tuple[str, str]]:
    """Samples the hypertable holds beyond what their batches accepted, wherever they lie."""
    accepted = dict(IngestBatch.objects.values_list("pk", "sample_count"))
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL)
        stored = dict(cursor.fetchall())
    problems = []
    for batch_id, count in sorted(stored.items()):
        if batch_id not in accepted:
            problems.append(
                (
                    f"ingest {batch_id}",
                    f"{count} stored sample(s) name this batch, which does not exist "
                    "(written around the ingest service)",
                )
            )
        elif count > accepted[batch_id]:
            problems.append(
                (
                    f"ingest {batch_id}",
                    f"{count} stored samples name this batch, which accepted "
                    f"{accepted[batch_id]} (written around the ingest service)",
                )
            )
    return problems


# --- rollups ---------------------------------------------------------------------------


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def _compare(
    stored: dict[tuple[int, datetime], tuple[Any, ...]],
    recomputed: dict[tuple[int, datetime], tuple[Any, ...]],
    kind: RollupKind,
    names: dict[int, str],
) -> list[tuple[str, str]]:
    problems = []
    for key in sorted(set(stored) | set(recomputed)):
        tag_id, bucket = key
        name = names.get(tag_id, f"#{tag_id}")
        subject = f"rollup {name} {kind.name} {bucket:%Y-%m-%dT%H:%M}Z"
        mine, theirs = stored.get(key), recomputed.get(key)
        if mine is None:
            problems.append((subject, f"missing: {kind.only_recomputed}"))
        elif theirs is None:
            problems.append((subject, f"stored, but {kind.only_stored}"))
        else:
            differ = [
                f"{NAMES[i]} {mine[i]!r} (the samples give {theirs[i]!r})"
                for i in range(2, len(NAMES))
                if not (_close(mine[i], theirs[i]) if i in FLOAT_COLUMNS else mine[i] == theirs[i])
            ]
            if differ:
                problems.append((subject, "stored " + "; ".join(differ)))
    return problems


def _rows(sql: str, params: dict[str, Any]) -> dict[tuple[int, datetime], tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1]): tuple(row) for row in cursor.fetchall()}


def _stored(table: str, pairs: list[tuple[int, datetime]]) -> dict[tuple[int, datetime], Any]:
    tags, buckets = [p[0] for p in pairs], [p[1] for p in pairs]
    return _rows(
        f"SELECT {ROLLUP_COLUMNS} FROM {table} r "
        "JOIN unnest(%(tags)s::integer[], %(buckets)s::timestamptz[]) AS w(tag_id, bucket) "
        "USING (tag_id, bucket)",
        {"tags": tags, "buckets": buckets},
    )


def _check(
    pairs: list[tuple[int, datetime]], level: str, names: dict[int, str]
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for start in range(0, len(pairs), CHUNK):
        part = pairs[start : start + CHUNK]
        params = {"tags": [p[0] for p in part], "buckets": [p[1] for p in part]}
        for kind in ROLLUP_KINDS[level]:
            stored = _stored(kind.table, part)
            problems += _compare(stored, _rows(kind.recompute, params), kind, names)
    return problems


def _keys(sql: str, params: list[Any] | None = None) -> list[tuple[int, datetime]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(t), b) for t, b in cursor.fetchall()]


def verify_rollups(
    *, full: bool, tags: dict[int, tuple[str, str]], sample: int = ROLLUP_SAMPLE
) -> tuple[list[tuple[str, str]], str]:
    """Recompute minute rollups from the raw samples and hour rollups from the minutes, both
    kinds (ROLLUP_KINDS); returns the problems and a sentence stating what was checked."""
    names = {pk: name for pk, (name, _) in tags.items()}
    numeric = [pk for pk, (_, value_type) in tags.items() if value_type != "string"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM historian_rollup), "
            "(SELECT count(*) FROM historian_rollup_hour)"
        )
        minute_total, hour_total = cursor.fetchone()
    if full:
        minutes = _keys(
            "SELECT tag_id, bucket FROM historian_rollup UNION "
            "SELECT tag_id, bucket FROM historian_rollup_all UNION "
            "SELECT DISTINCT tag_id, date_trunc('minute', ts AT TIME ZONE 'UTC') AT TIME ZONE "
            "'UTC' FROM historian_sample WHERE tag_id = ANY(%s) ORDER BY 1, 2",
            [numeric],
        )
        hours = _keys(
            "SELECT tag_id, bucket FROM historian_rollup_hour UNION "
            "SELECT tag_id, bucket FROM historian_rollup_hour_all UNION "
            "SELECT DISTINCT tag_id, date_trunc('hour', bucket AT TIME ZONE 'UTC') AT TIME ZONE "
            "'UTC' FROM historian_rollup ORDER BY 1, 2"
        )
        how = "every bucket"
    else:
        minutes = _keys(
            "SELECT tag_id, bucket FROM historian_rollup ORDER BY random() LIMIT %s", [sample]
        )
        hours = _keys(
            "SELECT tag_id, bucket FROM historian_rollup_hour ORDER BY random() LIMIT %s",
            [max(1, sample // 10)],
        )
        how = "a random sample; --rollups full checks every bucket"
    # Minutes stored since the drain last ran are owed to the rollups (reads recompute them):
    # their stored rollups, and their hours', are not yet expected to agree.
    owed = set(_keys("SELECT DISTINCT tag_id, bucket FROM historian_rollup_pending"))
    owed_hours = {(tag_id, bucket.replace(minute=0)) for tag_id, bucket in owed}
    minutes = [key for key in minutes if key not in owed]
    hours = [key for key in hours if key not in owed_hours]
    problems = _check(minutes, "minute", names) + _check(hours, "hour", names)
    statement = (
        f"rollups: {len(minutes):,} of {minute_total:,} minute and {len(hours):,} of "
        f"{hour_total:,} hour buckets recomputed from the raw samples, with those holding bad "
        f"samples also summarised with their values ({how})"
    )
    if owed:
        statement += (
            f"; {len(owed):,} minutes stored since the rollup drain last ran are owed to the "
            "rollups (reads recompute them) and were not compared"
        )
    return problems, statement
