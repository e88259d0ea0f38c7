"""Historian benchmarks (issue: historian). Figures beside their targets.

1. Ingest of 2,000,000 samples of 200 tags in time order:
   baseline — raw binary COPY of the same rows into a bare hypertable with the
   sample store's chunking and index; the ingest service end to end
   (validation, dedup, digest, rollups, audit event). Targets: ratio ≥ 0.8 and
   ≥ 250,000 samples/s.
2. REST JSON ingest, 10,000-sample requests, one server process (runserver,
   no threading). Target ≥ 100,000 samples/s.
3. 30 days of 1 Hz data for 10 tags (25.9 M samples): plot of 1,000 intervals
   for one tag, median warm (target ≤ 50 ms; the raw-row scan of the same plot
   is measured as the baseline); a 24-hour aggregate of all 10 tags (target
   ≤ 200 ms); bytes per sample on disk with indexes and rollups (naive: 111).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

INGEST_SAMPLES = int(os.environ.get("BENCH_INGEST_SAMPLES", "2000000"))
INGEST_TAGS = 200
BATCH = int(os.environ.get("BENCH_INGEST_BATCH", "20000"))
REST_SAMPLES = int(os.environ.get("BENCH_REST_SAMPLES", "400000"))
QUERY_DAYS = int(os.environ.get("BENCH_QUERY_DAYS", "30"))
QUERY_TAGS = 10
START = datetime(2026, 1, 1, tzinfo=UTC)


def _tags(prefix: str, count: int) -> list[Any]:
    from audit.actors import SystemActor
    from historian.services import tag_create

    actor = SystemActor("system:bench")
    return [
        tag_create(actor=actor, name=f"{prefix}.T{i:03d}", equipment=f"BENCH/{prefix}")
        for i in range(count)
    ]


def _account(name: str) -> tuple[Any, str]:
    from accounts.services import service_account_create, token_issue
    from audit.actors import SystemActor

    actor = SystemActor("system:bench")
    account = service_account_create(actor=actor, username=name, full_name=name, reason="bench")
    _, key = token_issue(actor=actor, user=account, name="bench", reason="bench")
    return account, key


def _items(tag_names: list[str], first_second: int, count: int) -> list[dict[str, Any]]:
    """`count` samples in time order: every tag at each second, round values."""
    items = []
    per_second = len(tag_names)
    for n in range(first_second * per_second, first_second * per_second + count):
        second, tag = divmod(n, per_second)
        ts = START + timedelta(seconds=second)
        items.append(
            {
                "tag": tag_names[tag],
                "ts": ts.isoformat().replace("+00:00", "Z"),
                "value": round(10 + (n % 997) / 100.0, 3),
            }
        )
    return items


def ingest() -> dict[str, float]:
    from django.db import connection

    from historian.ingest import ingest_samples

    tags = _tags("ING", INGEST_TAGS)
    names = [t.name for t in tags]
    ids = {t.name: t.pk for t in tags}
    account, _ = _account("bench-ingest")
    batches = [
        _items(names, k * BATCH // INGEST_TAGS, BATCH)
        for k in tqdm(range(INGEST_SAMPLES // BATCH), desc="preparing", leave=False)
    ]

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy (LIKE historian_sample INCLUDING DEFAULTS)")
        cursor.execute(
            "SELECT create_hypertable('bench_copy', by_range('ts', INTERVAL '1 day'), "
            "create_default_indexes => false)"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_copy (tag_id, ts)")
    rows = [
        [(datetime.fromisoformat(i["ts"]), i["value"], ids[i["tag"]], 1, 0, None) for i in batch]
        for batch in batches
    ]
    raw = connection.connection
    started = time.perf_counter()
    for batch in tqdm(rows, desc="baseline COPY", leave=False):
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY bench_copy (ts, value_num, tag_id, batch_id, quality, value_text) "
                "FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["timestamptz", "float8", "int4", "int4", "int2", "text"])
            for row in batch:
                copy.write_row(row)
        raw.commit()
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    for k, batch in enumerate(tqdm(batches, desc="ingest service", leave=False)):
        result = ingest_samples(actor=account, source="bench", ingest_key=f"b{k}", items=batch)
        assert result.status == 201, result.body
    service = time.perf_counter() - started
    return {"baseline_s": baseline, "service_s": service}


def verification() -> tuple[float, float]:
    """historian_verify's re-hash of the ingest benchmark's batches: seconds in one process,
    and in one worker per core (each reading in the same exported snapshot)."""
    from historian.verification import verify_samples

    times = []
    for workers in (1, min(4, os.cpu_count() or 1)):
        started = time.perf_counter()
        verify_samples(rollups="none", workers=workers)
        times.append(time.perf_counter() - started)
    return times[0], times[1]


def _compression() -> str:
    """Whether this server may compress chunks (TimescaleDB's licence setting)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW timescaledb.license")
        licence = cursor.fetchone()[0]
    if licence != "timescale":
        return (f"not available (timescaledb.license = {licence}: the Apache edition this "
                "machine builds has no compression)")  # fmt: skip
    return "available (timescaledb.license = timescale); not enabled by this benchmark"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CONNECTIONS = 4  # the load client's connections (two per core of this machine)


def rest() -> dict[str, float]:
    """REST ingest through the production server (deploy/production/gunicorn.conf.py, a
    worker per core), 10,000-sample requests over CONNECTIONS keep-alive connections: JSON
    bodies, then the same as CSV. Seconds for each."""
    from concurrent.futures import ThreadPoolExecutor
    from http.client import HTTPConnection

    from django.db import connection

    tags = _tags("REST", INGEST_TAGS)
    names = [t.name for t in tags]
    _, key = _account("bench-rest")
    per_request = 10_000
    count = REST_SAMPLES // per_request
    json_bodies = [
        json.dumps({"source": "bench", "ingest_key": f"r{k}",
                    "samples": _items(names, k * per_request // INGEST_TAGS, per_request)}).encode()
        for k in range(count)
    ]  # fmt: skip
    csv_bodies = []
    for k in range(count):
        items = _items(names, (count + k) * per_request // INGEST_TAGS, per_request)
        lines = ["tag,ts,value"] + [f"{i['tag']},{i['ts']},{i['value']}" for i in items]
        csv_bodies.append((f"c{k}", ("\n".join(lines) + "\n").encode()))
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "LEDGERLINE_DB_ROLE": "runtime",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        + "/"
        + str(connection.settings_dict["NAME"]),
        "DJANGO_DEBUG": "false",
        "LEDGERLINE_BIND": f"127.0.0.1:{port}",
        "LEDGERLINE_LOG_LEVEL": "WARNING",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", "deploy/production/gunicorn.conf.py", "--access-logfile", "/dev/null"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def send(share: list[tuple[str, bytes, str]]) -> None:
        client = HTTPConnection("127.0.0.1", port, timeout=300)
        for path, body, content_type in share:
            headers = {"Content-Type": content_type, "Authorization": f"Token {key}"}
            if content_type == "text/csv":
                path, idempotency = path.split("|")
                headers["Idempotency-Key"] = idempotency
            client.request("POST", path, body=body, headers=headers)
            answer = client.getresponse()
            answer.read()
            assert answer.status == 201, answer.status
        client.close()

    def load(requests: list[tuple[str, bytes, str]]) -> float:
        shares = [requests[i::CONNECTIONS] for i in range(CONNECTIONS)]
        started = time.perf_counter()
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            list(pool.map(send, shares))
        return time.perf_counter() - started

    samples = "/api/v1/historian/samples/"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/status/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        json_s = load([(samples, body, "application/json") for body in json_bodies])
        csv_s = load([(f"{samples}?source=bench|{k}", body, "text/csv")
                      for k, body in csv_bodies])  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"rest_s": json_s, "rest_csv_s": csv_s, "rest_samples": float(count * per_request)}


def queries() -> dict[str, float]:
    from django.db import connection

    from audit.context import audit_context
    from historian import selectors
    from historian.api.values import parse_params, values_json
    from historian.ingest import refresh_rollups
    from historian.models import IngestBatch, Tag

    tags = _tags("Q", QUERY_TAGS)
    account, _ = _account("bench-queries")
    ids = [t.pk for t in tags]
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
            refresh_rollups(
                {(t.pk, begin + timedelta(minutes=m)) for t in tags for m in range(24 * 60)}
            )
        cursor.execute("ANALYZE historian_sample")
        cursor.execute("ANALYZE historian_rollup")
        cursor.execute(
            "SELECT d.table_bytes + coalesce(d.toast_bytes, 0), d.index_bytes, "
            "pg_total_relation_size('historian_rollup') "
            "+ pg_total_relation_size('historian_rollup_hour'), "
            "(SELECT count(*) FROM historian_sample WHERE tag_id = ANY(%s)) "
            "FROM hypertable_detailed_size('historian_sample') d",
            [[t.pk for t in tags]],
        )
        heap_bytes, index_bytes, rollup_bytes, count = cursor.fetchone()
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
    # Daily aggregates over the whole span: served by the hour rollups, and (bad samples asked
    # back) by the stored rows reduced inside PostgreSQL.
    days = {**window, "mode": "aggregate", "interval": "1d", "aggregates": "avg,min,max,twa,count"}
    daily = timed(days, 3)
    daily_raw = timed({**days, "include_bad": "true"}, 1)
    return {
        "daily_s": daily,
        "daily_raw_s": daily_raw,
        "samples": float(count),
        "sample_bytes": float(sample_bytes),
        "heap_bytes": float(heap_bytes),
        "index_bytes": float(index_bytes),
        "rollup_bytes": float(rollup_bytes),
        "plot_s": plot,
        "plot_raw_s": plot_raw,
        "aggregate_s": statistics.median(agg_times),
    }


def run() -> None:
    print(f"== historian: ingest of {INGEST_SAMPLES:,} samples of {INGEST_TAGS} tags ==")
    i = ingest()
    base_rate = INGEST_SAMPLES / i["baseline_s"]
    service_rate = INGEST_SAMPLES / i["service_s"]
    print(f"baseline raw binary COPY: {base_rate:,.0f} samples/s ({i['baseline_s']:.1f} s)")
    print(
        f"ingest service end to end: {service_rate:,.0f} samples/s ({i['service_s']:.1f} s); "
        f"ratio {service_rate / base_rate:.2f} (targets: >= 0.8 and >= 250,000/s)"
    )
    one, both = verification()
    print(
        f"historian_verify re-hash ({INGEST_SAMPLES:,} samples): one process "
        f"{INGEST_SAMPLES / one:,.0f} samples/s; {min(4, os.cpu_count() or 1)} worker processes "
        f"{INGEST_SAMPLES / both:,.0f} samples/s → {one / both:.2f}×"
    )
    print(f"== historian: REST ingest through gunicorn ({os.cpu_count()} workers), "
          f"10,000-sample requests over {CONNECTIONS} connections ==")  # fmt: skip
    r = rest()
    for kind, seconds in (("JSON", r["rest_s"]), ("CSV", r["rest_csv_s"])):
        rate = r["rest_samples"] / seconds
        print(
            f"REST {kind}: {rate:,.0f} samples/s ({r['rest_samples']:,.0f} samples in "
            f"{seconds:.1f} s); ratio to raw COPY {rate / base_rate:.2f} (target >= 0.4)"
        )
    print(f"== historian: {QUERY_DAYS} days of 1 Hz data for {QUERY_TAGS} tags ==")
    q = queries()
    total_bytes = q["sample_bytes"] + q["rollup_bytes"]
    per_sample = total_bytes / q["samples"]
    print(
        f"samples: {q['samples']:,.0f}; on disk {total_bytes / 1e6:,.0f} MB with indexes and "
        f"rollups = {per_sample:.1f} bytes/sample (naive 111: {111 / per_sample:.2f}x smaller): "
        f"heap {q['heap_bytes'] / q['samples']:.1f}, index {q['index_bytes'] / q['samples']:.1f}, "
        f"rollups {q['rollup_bytes'] / q['samples']:.1f} bytes/sample; compression: "
        f"{_compression()}"
    )
    print(
        f"plot, 1,000 intervals, one tag, {QUERY_DAYS} days: median {q['plot_s'] * 1000:.1f} ms "
        f"warm (target <= 50 ms); raw-row scan of the same plot {q['plot_raw_s'] * 1000:.0f} ms "
        f"({q['plot_raw_s'] / q['plot_s']:.0f}x slower)"
    )
    print(
        f"24-hour aggregate of all {QUERY_TAGS} tags: median {q['aggregate_s'] * 1000:.1f} ms "
        f"(target <= 200 ms)"
    )
    print(
        f"daily aggregates of one tag over {QUERY_DAYS} days: from the hour rollups "
        f"{q['daily_s'] * 1000:.1f} ms; with bad samples (the stored rows, reduced in SQL) "
        f"{q['daily_raw_s'] * 1000:.0f} ms → {q['daily_raw_s'] / q['daily_s']:.0f}× "
        f"(target <= 10×)"
    )
    sys.stdout.flush()
