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

import os
import sys

from bench.historian.common import BATCH, INGEST_SAMPLES, INGEST_TAGS, QUERY_DAYS, QUERY_TAGS
from bench.historian.ingest import (
    BREAKDOWN_BATCHES,
    STREAMS,
    breakdown,
    ingest,
    streams,
    verification,
)
from bench.historian.reads import compression, queries
from bench.historian.rest import CONNECTIONS, rest


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
        f"{compression()}"
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
