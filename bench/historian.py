"""Historian benchmarks (issue: historian). Figures beside their targets.

1. Ingest of 2,000,000 samples of 200 tags in requests of 10,000, in time order and
   shuffled: baseline — raw binary COPY of the same rows into a bare hypertable with the
   sample store's chunking and index; the ingest service end to end (validation, dedup,
   digest, permit, minutes owed to the rollups, audit event, commit). Target: ratio ≥ 0.8.
   Where each microsecond per sample goes; historian_verify in one process and in one per
   core; 4 ingest streams at once against one (target ≥ 1.3×).
2. REST ingest through gunicorn (a worker per core), JSON and CSV, several connections:
   target ≥ 0.4 × the raw COPY baseline.
3. 30 days of 1 Hz data for 10 tags (25.9 M samples): plot of 1,000 intervals
   for one tag, median warm (target ≤ 50 ms; the raw-row scan of the same plot
   is measured as the baseline); a 24-hour aggregate of all 10 tags (target
   ≤ 200 ms); bytes per sample on disk with indexes and rollups (naive: 111).
"""

from __future__ import annotations

import itertools
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
BATCH = int(os.environ.get("BENCH_INGEST_BATCH", "10000"))
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


def _copy_table(name: str) -> None:
    """A bare hypertable with the sample store's chunking and unique index (no triggers)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {name} (LIKE historian_sample INCLUDING DEFAULTS)")
        cursor.execute(
            f"SELECT create_hypertable('{name}', by_range('ts', INTERVAL '1 day'), "
            "create_default_indexes => false)"
        )
        cursor.execute(f"CREATE UNIQUE INDEX ON {name} (tag_id, ts)")


def _copy(table: str, rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    from historian.ingest.writer import COLUMNS

    raw = connection.connection
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table} ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["timestamptz", "float8", "int4", "int4", "int2", "text"])
        for row in rows:
            copy.write_row(row)
    raw.commit()


def ingest(order: str) -> dict[str, float]:
    """The raw COPY baseline and the ingest service over the same INGEST_SAMPLES samples (a
    new set of INGEST_TAGS tags), in time order or shuffled (within and across batches)."""
    import random

    from historian.ingest import ingest_samples

    shuffled = order == "shuffled"
    tags = _tags("INGS" if shuffled else "ING", INGEST_TAGS)
    names = [t.name for t in tags]
    ids = {t.name: t.pk for t in tags}
    account, _ = _account(f"bench-ingest-{'s' if shuffled else 't'}")
    batches = [
        _items(names, k * BATCH // INGEST_TAGS, BATCH)
        for k in tqdm(range(INGEST_SAMPLES // BATCH), desc="preparing", leave=False)
    ]
    if shuffled:
        rng = random.Random(19)
        everything = [item for batch in batches for item in batch]
        rng.shuffle(everything)
        batches = [everything[k : k + BATCH] for k in range(0, len(everything), BATCH)]
    table = "bench_copy_shuffled" if shuffled else "bench_copy"
    _copy_table(table)
    rows = [
        [(datetime.fromisoformat(i["ts"]), i["value"], ids[i["tag"]], 1, 0, None) for i in batch]
        for batch in batches
    ]
    started = time.perf_counter()
    for batch_rows in tqdm(rows, desc=f"baseline COPY, {order}", leave=False):
        _copy(table, batch_rows)
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    for k, batch in enumerate(tqdm(batches, desc=f"ingest service, {order}", leave=False)):
        result = ingest_samples(actor=account, source="bench", ingest_key=f"b{k}", items=batch)
        assert result.status == 201, result.body
    service = time.perf_counter() - started
    return {"baseline_s": baseline, "service_s": service}


BREAKDOWN_BATCHES = 20


def breakdown() -> dict[str, float]:
    """Microseconds per sample of each part of the ingest service, medians over
    BREAKDOWN_BATCHES requests of BATCH samples (new tags): tag lookup, the checks, the
    digest, the binary COPY stream built, the COPY itself into a bare hypertable (the
    database's share of the baseline), and the rest of the store (permit, the trigger that
    checks permits and owes minutes to the rollups, batch row, audit event, seal, commit)."""
    from django.db import connection
    from django.utils import timezone

    from historian.ingest import ingest_samples
    from historian.ingest.samples import tag_map, validate
    from historian.ingest.writer import COLUMNS, _number_rows

    tags = _tags("INGB", INGEST_TAGS)
    names = [t.name for t in tags]
    account, _ = _account("bench-ingest-b")
    _copy_table("bench_copy_parts")
    parts: dict[str, list[float]] = {}
    raw = connection.connection
    for k in range(BREAKDOWN_BATCHES):
        items = _items(names, k * BATCH // INGEST_TAGS, BATCH)
        clock = [time.perf_counter()]
        found = tag_map(items)
        clock.append(time.perf_counter())
        accepted, _ = validate(items, found, timezone.now())
        clock.append(time.perf_counter())
        accepted.digest()
        clock.append(time.perf_counter())
        stream = _number_rows(accepted, 1)
        clock.append(time.perf_counter())
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY bench_copy_parts ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.write(stream)
        raw.commit()
        clock.append(time.perf_counter())
        result = ingest_samples(actor=account, source="bench", ingest_key=f"p{k}", items=items)
        assert result.status == 201, result.body
        clock.append(time.perf_counter())
        steps = [b - a for a, b in itertools.pairwise(clock)]
        for name, seconds in zip(
            ("tag lookup", "checks", "digest", "COPY stream built", "COPY (bare hypertable)"),
            steps,
            strict=False,
        ):
            parts.setdefault(name, []).append(seconds)
        parts.setdefault("rest of the store", []).append(steps[5] - sum(steps[:5]))
        parts.setdefault("total", []).append(steps[5])
    return {name: statistics.median(v) * 1e6 / BATCH for name, v in parts.items()}


STREAMS = 4
STREAM_BATCHES = int(os.environ.get("BENCH_STREAM_BATCHES", "30"))


def streams() -> tuple[float, float]:
    """Samples/s of one ingest stream alone, then of STREAMS streams at once (each its own
    tags, its own process and connection, started together)."""
    import multiprocessing

    from django.db import connection

    from bench.ingest_stream import stream

    per_stream = INGEST_TAGS // STREAMS
    database = {"NAME": connection.settings_dict["NAME"]}
    context = multiprocessing.get_context("spawn")
    rates = []
    for count, label in ((1, "C1"), (STREAMS, "C4")):
        jobs = []
        for n in range(count):
            tags = [t.name for t in _tags(f"{label}S{n}", per_stream)]
            account, _ = _account(f"bench-stream-{label}-{n}")
            jobs.append((database, tags, account.pk, f"{label}-{n}-", 0, STREAM_BATCHES, BATCH))
        connection.close()  # the children must not share this connection
        with context.Manager() as manager, context.Pool(count) as pool:
            barrier = manager.Barrier(count)
            spans = pool.starmap(stream, [(*job, barrier) for job in jobs])
        seconds = max(end for _, end in spans) - min(start for start, _ in spans)
        rates.append(count * STREAM_BATCHES * BATCH / seconds)
    return rates[0], rates[1]


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
    from historian import rollups, selectors
    from historian.api.values import parse_params, values_json
    from historian.models import IngestBatch, Tag

    tags = _tags("Q", QUERY_TAGS)
    account, _ = _account("bench-queries")
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


def run() -> None:
    print(
        f"== historian: ingest of {INGEST_SAMPLES:,} samples of {INGEST_TAGS} tags, requests of "
        f"{BATCH:,} =="
    )
    rates = {}
    for order in ("time order", "shuffled"):
        i = ingest(order)
        base_rate = INGEST_SAMPLES / i["baseline_s"]
        service_rate = INGEST_SAMPLES / i["service_s"]
        rates[order] = base_rate
        print(
            f"{order}: baseline raw binary COPY {base_rate:,.0f} samples/s "
            f"({i['baseline_s']:.1f} s); ingest service end to end {service_rate:,.0f} "
            f"samples/s ({i['service_s']:.1f} s); ratio {service_rate / base_rate:.2f} "
            "(target >= 0.8)"
        )
        if order == "time order":
            one, both = verification()
            print(
                f"historian_verify re-hash ({INGEST_SAMPLES:,} samples): one process "
                f"{INGEST_SAMPLES / one:,.0f} samples/s; {min(4, os.cpu_count() or 1)} worker "
                f"processes {INGEST_SAMPLES / both:,.0f} samples/s → {one / both:.2f}×"
            )
    base_rate = rates["time order"]
    parts = breakdown()
    print(
        "ingest service, microseconds per sample (median of "
        f"{BREAKDOWN_BATCHES} requests): "
        + "; ".join(f"{name} {us:.2f}" for name, us in parts.items())
    )
    one_stream, together = streams()
    print(
        f"{STREAMS} ingest streams at once (own tags, processes, connections): "
        f"{together:,.0f} samples/s against one stream alone {one_stream:,.0f} samples/s → "
        f"{together / one_stream:.2f}× (target >= 1.3×)"
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
    per_sample = total_bytes / q["stored"]
    print(
        f"samples: {q['samples']:,.0f} ({q['stored']:,.0f} stored with the ingest benchmarks'); "
        f"on disk {total_bytes / 1e6:,.0f} MB with indexes and rollups = {per_sample:.1f} "
        f"bytes/sample (naive 111: {111 / per_sample:.2f}x smaller): "
        f"heap {q['heap_bytes'] / q['stored']:.1f}, index {q['index_bytes'] / q['stored']:.1f}, "
        f"rollups {q['rollup_bytes'] / q['stored']:.1f} bytes/sample; compression: "
        f"{_compression()}"
    )
    print(
        f"rollup drain (the one writer, both kinds of rollup): {q['drained']:,.0f} minutes in "
        f"{q['drain_s']:.1f} s = {q['drained'] / q['drain_s']:,.0f} minutes/s "
        f"({q['drained'] * 60 / q['drain_s']:,.0f} samples/s at 1 Hz)"
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
    daily = q["daily_s"]
    print(
        f"reads rollups alone cannot serve (target <= 10× the rollup-served read): daily "
        f"aggregates of one tag over {QUERY_DAYS} days from the hour rollups "
        f"{daily * 1000:.1f} ms; with bad samples asked back (rollups with bad samples) "
        f"{q['daily_bad_s'] * 1000:.1f} ms → {q['daily_bad_s'] / daily:.1f}×; "
        f"window off whole minutes {q['daily_off_s'] * 1000:.1f} ms → "
        f"{q['daily_off_s'] / daily:.1f}×; with bad samples from the stored rows alone "
        f"(as before) {q['daily_raw_s'] * 1000:.0f} ms → {q['daily_raw_s'] / daily:.0f}×"
    )
    print(
        f"plots of 1,000 intervals over {QUERY_DAYS} days rollups alone cannot serve: with "
        f"bad samples asked back {q['plot_bad_s'] * 1000:.1f} ms → "
        f"{q['plot_bad_s'] / q['plot_s']:.1f}×; window off whole minutes "
        f"{q['plot_off_s'] * 1000:.1f} ms → {q['plot_off_s'] / q['plot_s']:.1f}× the plot from "
        f"rollups alone (target <= 10×)"
    )
    sys.stdout.flush()
