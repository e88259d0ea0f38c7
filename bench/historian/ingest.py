"""Ingest benchmarks: the service against a raw binary COPY (time order and shuffled), where
each microsecond per sample goes, four streams at once, and historian_verify in one process
and one per core."""

from __future__ import annotations

import itertools
import os
import statistics
import time
from datetime import datetime

from tqdm import tqdm

from bench.historian.common import (
    BATCH,
    INGEST_SAMPLES,
    INGEST_TAGS,
    bench_account,
    bench_tags,
    copy_rows,
    copy_table,
    time_ordered_items,
)


def ingest(order: str) -> dict[str, float]:
    """The raw COPY baseline and the ingest service over the same INGEST_SAMPLES samples (a
    new set of INGEST_TAGS tags), in time order or shuffled (within and across batches)."""
    import random

    from historian.ingest import ingest_samples

    shuffled = order == "shuffled"
    tags = bench_tags("INGS" if shuffled else "ING", INGEST_TAGS)
    names = [t.name for t in tags]
    ids = {t.name: t.pk for t in tags}
    account, _ = bench_account(f"bench-ingest-{'s' if shuffled else 't'}")
    batches = [
        time_ordered_items(names, k * BATCH // INGEST_TAGS, BATCH)
        for k in tqdm(range(INGEST_SAMPLES // BATCH), desc="preparing", leave=False)
    ]
    if shuffled:
        rng = random.Random(19)
        everything = [item for batch in batches for item in batch]
        rng.shuffle(everything)
        batches = [everything[k : k + BATCH] for k in range(0, len(everything), BATCH)]
    table = "bench_copy_shuffled" if shuffled else "bench_copy"
    copy_table(table)
    rows = [
        [(datetime.fromisoformat(i["ts"]), i["value"], ids[i["tag"]], 1, 0, None) for i in batch]
        for batch in batches
    ]
    started = time.perf_counter()
    for batch_rows in tqdm(rows, desc=f"baseline COPY, {order}", leave=False):
        copy_rows(table, batch_rows)
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

    tags = bench_tags("INGB", INGEST_TAGS)
    names = [t.name for t in tags]
    account, _ = bench_account("bench-ingest-b")
    copy_table("bench_copy_parts")
    parts: dict[str, list[float]] = {}
    raw = connection.connection
    for k in range(BREAKDOWN_BATCHES):
        items = time_ordered_items(names, k * BATCH // INGEST_TAGS, BATCH)
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
            tags = [t.name for t in bench_tags(f"{label}S{n}", per_stream)]
            account, _ = bench_account(f"bench-stream-{label}-{n}")
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
