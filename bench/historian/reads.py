"""Reads over 30 days of 1 Hz data: plots and aggregates from the rollups and beside them the
reads rollups alone cannot serve; bytes per sample on disk; the rollup drain's rate."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

from tqdm import tqdm

from bench.historian.common import (
    QUERY_DAYS,
    QUERY_TAGS,
    START,
    bench_account,
    bench_tags,
)


def compression() -> str:
    """Whether this server may compress chunks (TimescaleDB's licence setting)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW timescaledb.license")
        licence = cursor.fetchone()[0]
    if licence != "timescale":
        return (f"not available (timescaledb.license = {licence}: the Apache edition this "
                "machine builds has no compression)")  # fmt: skip
    return "available (timescaledb.license = timescale); not enabled by this benchmark"


def queries() -> dict[str, float]:
    from django.db import connection

    from audit.context import audit_context
    from historian import rollups, selectors
    from historian.api.values import parse_params, values_json
    from historian.models import IngestBatch, Tag

    tags = bench_tags("Q", QUERY_TAGS)
    account, _ = bench_account("bench-queries")
    ids = [t.pk for t in tags]
    drained, drain_s = 0, 0.0  # the rollup writer, run by the drain after each day
    with connection.cursor() as cursor:
        for day in tqdm(range(QUERY_DAYS), desc="loading 1 Hz days", leave=False):
            begin = START + timedelta(days=day)
            # Samples reach the hypertable only under an ingest batch that accepts them in
            # the same transaction (its digest is not computed: nothing here verifies it).
            with audit_context(actor="system:bench", reason=""):
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('historian_ingest_batch', 'id'))"
                )
                batch_id = cursor.fetchone()[0]
                cursor.execute(
                    "INSERT INTO historian_ingest_permit (batch_id, tag_id) "
                    "SELECT %s, unnest(%s::integer[])",
                    [batch_id, ids],
                )
                cursor.execute(
                    """INSERT INTO historian_sample (ts, value_num, tag_id, batch_id, quality)
                       SELECT t, 12 + 2 * sin(extract(epoch FROM t) / 900 + tag_id)
                                 + (random() - 0.5) * 0.4, tag_id, %s,
                              CASE WHEN random() < 0.001 THEN 2 ELSE 0 END
                       FROM generate_series(%s::timestamptz,
                                            %s::timestamptz - interval '1 second',
                                            interval '1 second') AS t,
                            unnest(%s::integer[]) AS tag_id""",
                    [batch_id, begin, begin + timedelta(days=1), ids],
                )
                IngestBatch.objects.create(
                    id=batch_id,
                    source="bench",
                    ingest_key=f"day-{day}",
                    account=account,
                    request_sha256="-",
                    sample_count=cursor.rowcount,
                    first_ts=begin,
                    last_ts=begin + timedelta(days=1, seconds=-1),
                    sha256="-",
                    tag_ids=ids,
                    response={},
                )
            started = time.perf_counter()
            drained += rollups.drain_all()
            drain_s += time.perf_counter() - started
        cursor.execute("ANALYZE historian_sample")
        cursor.execute("ANALYZE historian_rollup, historian_rollup_all")
        cursor.execute(
            "SELECT d.table_bytes + coalesce(d.toast_bytes, 0), d.index_bytes, "
            "pg_total_relation_size('historian_rollup') "
            "+ pg_total_relation_size('historian_rollup_hour') "
            "+ pg_total_relation_size('historian_rollup_all') "
            "+ pg_total_relation_size('historian_rollup_hour_all'), "
            "(SELECT count(*) FROM historian_sample WHERE tag_id = ANY(%s)), "
            # The sizes are of the whole store (the ingest benchmarks' samples share its
            # chunks): per sample, they are divided by every sample stored.
            "(SELECT count(*) FROM historian_sample) "
            "FROM hypertable_detailed_size('historian_sample') d",
            [[t.pk for t in tags]],
        )
        heap_bytes, index_bytes, rollup_bytes, count, stored = cursor.fetchone()
        sample_bytes = heap_bytes + index_bytes
    tag = Tag.objects.get(pk=tags[0].pk)
    end = START + timedelta(days=QUERY_DAYS)
    window = {"start": START.isoformat(), "end": end.isoformat()}

    def read_values(tag: Any, query: dict[str, str]) -> dict[str, Any]:
        """What GET /api/v1/tags/{name}/values does, short of HTTP."""
        spec = parse_params(query)
        return values_json(tag, spec, selectors.read(tag, spec))

    def timed(query: dict[str, str], runs: int, warm: bool = True) -> float:
        if warm:
            read_values(tag, query)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            read_values(tag, query)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    plot = timed({**window, "mode": "plot", "points": "1000"}, 20)
    # The naive way, summarising the raw rows of the same plot: once.
    with selectors.rollups_disabled():
        plot_raw = timed({**window, "mode": "plot", "points": "1000"}, 1, warm=False)
    day = {
        "start": (end - timedelta(days=1)).isoformat(),
        "end": end.isoformat(),
        "mode": "aggregate",
        "interval": "1d",
        "aggregates": "avg,min,max,twa,count,stddev",
    }
    all_tags = [Tag.objects.get(pk=t.pk) for t in tags]
    agg_times = []
    for _ in range(10):
        started = time.perf_counter()
        for t in all_tags:
            read_values(t, day)
        agg_times.append(time.perf_counter() - started)
    # Daily aggregates over the whole span: served by the hour rollups; with bad samples asked
    # back (the hour rollups with bad samples where an hour holds any); over a window off whole
    # minutes (finer rollups and the stored rows at its ends); and the stored rows reduced
    # inside PostgreSQL, as every such read was answered before.
    days = {**window, "mode": "aggregate", "interval": "1d", "aggregates": "avg,min,max,twa,count"}
    daily = timed(days, 3)
    daily_bad = timed({**days, "include_bad": "true"}, 3)
    off_minutes = {"start": (START + timedelta(seconds=37.5)).isoformat(),
                   "end": (end - timedelta(minutes=13, seconds=2)).isoformat()}  # fmt: skip
    daily_off = timed({**days, **off_minutes}, 3)
    plot_bad = timed({**window, "mode": "plot", "points": "1000", "include_bad": "true"}, 3)
    plot_off = timed({**off_minutes, "mode": "plot", "points": "1000"}, 3)
    with selectors.rollups_disabled():
        daily_raw = timed({**days, "include_bad": "true"}, 1, warm=False)
    return {
        "daily_s": daily,
        "daily_bad_s": daily_bad,
        "daily_off_s": daily_off,
        "plot_bad_s": plot_bad,
        "plot_off_s": plot_off,
        "daily_raw_s": daily_raw,
        "samples": float(count),
        "stored": float(stored),
        "sample_bytes": float(sample_bytes),
        "heap_bytes": float(heap_bytes),
        "index_bytes": float(index_bytes),
        "rollup_bytes": float(rollup_bytes),
        "plot_s": plot,
        "plot_raw_s": plot_raw,
        "aggregate_s": statistics.median(agg_times),
        "drained": float(drained),
        "drain_s": drain_s,
    }
