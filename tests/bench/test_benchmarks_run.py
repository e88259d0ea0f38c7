"""`make bench` keeps running: every benchmark, at a tiny size, in its own throw-away database.

The figures are not checked (timings are no assertions on a shared machine); this proves the
benchmarks still call the code they measure, so a refactoring cannot silently break them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TINY = {
    "BENCH_LOGIN_ROUNDS": "2",
    "BENCH_AUDIT_WRITES": "20",
    "BENCH_AUDIT_EVENTS": "3000",
    "BENCH_INGEST_SAMPLES": "4000",
    "BENCH_INGEST_BATCH": "1000",
    "BENCH_STREAM_BATCHES": "3",
    "BENCH_REST_SAMPLES": "20000",
    "BENCH_QUERY_DAYS": "1",
    "BENCH_TREND_HOURS": "0.25",
    "BENCH_TREND_RUNS": "1",
    "BENCH_EBR_HOURS": "0.1",
    "BENCH_EBR_ENTRIES": "3",
    "BENCH_GENEALOGY_DAYS": "2",
    "BENCH_LIMS_ANALYSES": "50",
    "BENCH_ROOTCAUSE_HOURS": "1.2",
    "BENCH_COLLECT_MQTT_VALUES": "2000",
    "BENCH_COLLECT_OPCUA_VALUES": "500",
    "BENCH_COLLECT_REST_VALUES": "20000",
}


def test_every_benchmark_runs_to_its_figures_at_a_tiny_size() -> None:
    env = {
        **os.environ,
        **TINY,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "LEDGERLINE_TEST_DB": f"bench_smoke_{os.getpid()}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    headings = ("== audit:", "== historian:", "== collectors:", "== accounts:", "== trend:",
                "== ebr:", "== genealogy:", "== lims:", "== reports:", "== rootcause:")  # fmt: skip
    for heading in headings:
        assert heading in done.stdout
    figures = (
        "overhead", "events/s", "samples/s", "historian_verify re-hash", "heap", "REST JSON",
        "REST CSV", "shuffled: baseline", "microseconds per sample", "ingest streams at once",
        "plot, 1,000 intervals", "aggregate", "daily aggregates", "window off whole minutes",
        "plots of 1,000 intervals over", "paint",
        "excursion detection", "batch detail API", "backward trace of a day", "forward trace",
        "SENAITE pull", "file import", "batch record PDF", "ranking over",
        "REST direct", "MQTT -> collector", "OPC UA -> collector",
    )  # fmt: skip
    for figure in figures:
        assert figure in done.stdout, figure
