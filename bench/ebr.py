"""Batch-record benchmarks (issue: batch records part 2). Figures beside their targets.

1. Excursion detection over a 24-hour batch window of 20 CPP tags at 1 Hz (1.73 M samples):
   the historian's excursion search (gaps and islands in SQL) for every spec, median warm.
   Target ≤ 500 ms. Baseline in the same run: counting the same rows (the least the database
   must touch to look at them).
2. The batch detail API (`GET /api/v1/ebr/batches/{n}/`) of a batch with 200 signed entries,
   median warm, in-process (Django's test client). Target ≤ 200 ms. Baseline: the batch list
   API of the same batch in the same client.
3. Detection latency: from the REST ingest's response to the excursion's deviation existing,
   with a served Ledgerline (runserver) and the background worker (`manage.py scheduler`)
   running and the simulated line's 36 tags flowing at 1 Hz over REST into a batch watching
   the demo's CPP specs (each second's request queues a check), median of 5 excursions two
   seconds apart. Target ≤ 5 s. Baseline: the ingest request itself.

The loaded day is vacuumed and analysed before timing (the steady state autovacuum keeps).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tqdm import tqdm

from bench.db import steady_state
from bench.people import bench_people, effective_master, sign

HOURS = float(os.environ.get("BENCH_EBR_HOURS", "24"))
TAGS = 20
ENTRIES = int(os.environ.get("BENCH_EBR_ENTRIES", "200"))
START = datetime(2026, 2, 1, tzinfo=UTC)


def _plant(people: dict[str, Any]) -> tuple[Any, list[str]]:
    """Line BX with 20 CPP tags, 24 h of 1 Hz data with an excursion an hour per tag, an
    effective master record watching them all, and a running batch over the day."""
    from ebr import services
    from historian.ingest import ingest_samples
    from historian.services import tag_create

    engineer = people["b-eng"]
    names = [f"BX.UNIT.CPP{i:02d}" for i in range(TAGS)]
    for name in names:
        tag_create(actor=engineer, name=name, equipment="BX/UNIT", unit="kg/h")
    seconds = int(HOURS * 3600)
    batch = 20_000
    total = seconds * TAGS
    with tqdm(total=total, desc="CPP data", unit="samples", leave=False) as bar:
        for first in range(0, seconds, batch // TAGS):
            items = [
                {"tag": name, "ts": (START + timedelta(seconds=s)).isoformat(),
                 "value": 112.0 if s % 3600 < 30 else 100.0 + (s % 7) * 0.1}
                for s in range(first, min(seconds, first + batch // TAGS))
                for name in names
            ]  # fmt: skip
            result = ingest_samples(actor=people["collector"], source="bench",
                                    ingest_key=f"ebr-{first}", items=items)  # fmt: skip
            assert result.status == 201, result.body
            bar.update(len(items))
    services.line_create(actor=engineer, code="BX", name="Bench line")
    effective_master(
        people, "b", "BX", code="BX-MR",
        steps=[{"code": "S1", "title": "Checks", "repeatable": True,
                "fields": [{"name": "weight", "type": "number", "low": 245, "high": 255}]}],
        parameter_specs=[{"tag": name, "low": 95.0, "high": 105.0} for name in names],
    )  # fmt: skip
    created = services.batch_create(
        actor=people["b-sup"], batch_number="BX-1", master_record="BX-MR", line="BX",
        start=START.isoformat(), end=(START + timedelta(hours=HOURS)).isoformat(),
    )  # fmt: skip
    running = services.batch_transition(actor=people["b-sup"], batch=created,
                                        status="in_progress", reason="bench")  # fmt: skip
    return running, names


def detection(batch: Any, names: list[str]) -> dict[str, float]:
    from django.db import connection

    from ebr.services.monitoring import cpp_check
    from historian.models import Tag
    from historian.selectors import excursions

    tags = list(Tag.objects.filter(name__in=names))
    end = START + timedelta(hours=HOURS)
    # The steady state of a running historian (its drain and autovacuum keep it there): the
    # day just loaded drained, vacuumed and analysed, rather than timed while they work.
    steady_state("historian_sample", "historian_rollup")
    raised = sum(len(cpp_check(batch, name)) for name in names)  # the first check raises

    def search() -> float:
        started = time.perf_counter()
        for tag in tags:
            excursions(tag, START, end, 95.0, 105.0)
        return time.perf_counter() - started

    def count() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for tag in tags:
                cursor.execute(
                    "SELECT count(*) FROM historian_sample WHERE tag_id = %s AND ts >= %s "
                    "AND ts < %s",
                    [tag.pk, START, end],
                )
        return time.perf_counter() - started

    search()
    return {
        "search_s": statistics.median(search() for _ in range(3)),
        "count_s": statistics.median(count() for _ in range(3)),
        "deviations": float(raised),
    }


def detail(batch: Any, people: dict[str, Any]) -> dict[str, float]:
    from django.test import Client

    from ebr import services

    for i in tqdm(range(ENTRIES), desc="signed entries", leave=False):
        services.entry_record(
            actor=people["b-op"], batch=batch, step_code="S1",
            values={"weight": 250.0 + (i % 3)}, signature=sign("b-op", "performed"),
        )  # fmt: skip
    client = Client()
    client.force_login(people["b-sup"])

    def timed(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, response.content[:300]
        return time.perf_counter() - started

    timed("/api/v1/ebr/batches/BX-1/")
    return {
        "detail_s": statistics.median(timed("/api/v1/ebr/batches/BX-1/") for _ in range(5)),
        "list_s": statistics.median(timed("/api/v1/ebr/batches/?line=BX") for _ in range(5)),
    }


def run() -> None:
    print(f"== ebr: CPP excursions over {HOURS:g} h of {TAGS} tags at 1 Hz; batch detail ==")
    people = bench_people("b")
    batch, names = _plant(people)
    d = detection(batch, names)
    print(
        f"excursion detection, {TAGS} specs: {d['search_s'] * 1000:,.0f} ms (target ≤ 500 ms; "
        f"{d['deviations']:.0f} deviations raised on the first check); baseline counting the "
        f"same rows {d['count_s'] * 1000:,.0f} ms → {d['search_s'] / d['count_s']:.1f}×"
    )
    a = detail(batch, people)
    lag = latency(people, names)
    print(
        f"detection latency (REST ingest answered → deviation exists, worker running, the "
        f"simulated line's 36 tags at 1 Hz flowing: {lag['flowed']:,.0f} samples during the "
        f"measurement): {lag['latency_s'] * 1000:,.0f} ms (target ≤ 5,000 ms); baseline the "
        f"ingest request {lag['request_s'] * 1000:,.0f} ms"
    )
    print(
        f"batch detail API, {ENTRIES} signed entries: {a['detail_s'] * 1000:,.0f} ms (target ≤ "
        f"200 ms); baseline the batch list {a['list_s'] * 1000:,.1f} ms → "
        f"{a['detail_s'] / a['list_s']:.1f}×"
    )


def latency(people: dict[str, Any], names: list[str]) -> dict[str, float]:
    """Excursions posted over REST into a running batch's window; the worker raises them.
    (BENCH_WORKER_LOG names a file for the worker's output.)"""
    import json
    import subprocess
    import sys
    import urllib.request

    from accounts.services import token_issue
    from audit.actors import SystemActor
    from bench.historian.common import free_port, server_env, serving
    from ebr import services
    from ebr.models import Deviation

    actor = SystemActor("system:bench")
    _, key = token_issue(actor=actor, user=people["collector"], name="bench", reason="bench")
    now = datetime.now(tz=UTC).replace(microsecond=0)
    watched = _live_record(people, names[0])
    live = services.batch_create(
        actor=people["b-sup"], batch_number="BX-LIVE", master_record=watched, line="BX",
        start=(now - timedelta(minutes=15)).isoformat(), end=(now + timedelta(hours=1)).isoformat(),
    )  # fmt: skip
    services.batch_transition(actor=people["b-sup"], batch=live, status="in_progress",
                              reason="bench")  # fmt: skip
    env = server_env()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker_log = open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "scheduler"],
        env=env, stdout=worker_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    flow: subprocess.Popen[bytes] | None = None
    seen, requests = [], []
    try:
        serving(port)
        deadline = time.time() + 30
        # The line flowing once the server listens: the simulator's 36 tags at 1 Hz over
        # REST, one request a second, each one a CPP check of the live batch on the queue.
        flow = subprocess.Popen(
            [sys.executable, "manage.py", "simulate_line", "--line", "BX", "--speed",
             "realtime", "--hours", "1", "--chunk", "1", "--via", "api",
             "--url", f"http://127.0.0.1:{port}", "--token", key, "--quiet"],
            env=env, stdout=subprocess.DEVNULL, stderr=worker_log,
        )  # fmt: skip
        while _flowed() == 0:
            if time.time() > deadline + 30 or flow.poll() is not None:
                raise RuntimeError("the simulated line did not flow (BENCH_WORKER_LOG says why)")
            time.sleep(0.2)
        time.sleep(2)
        flowing_from = _flowed()
        for n in range(5):
            time.sleep(2)  # the excursions spread over the flow
            before = Deviation.objects.filter(batch=live).count()
            # Two minutes apart: excursions closer than a minute are one (monitoring.REJOIN).
            at = now - timedelta(minutes=12) + timedelta(minutes=2 * n)
            samples = [
                {"tag": names[0], "ts": at.isoformat(), "value": 120.0},
                {"tag": names[0], "ts": (at + timedelta(seconds=1)).isoformat(), "value": 100.0},
            ]
            body = json.dumps({"source": "bench", "ingest_key": f"live-{n}", "samples": samples})
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/historian/samples/", data=body.encode(),
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Token {key}"},
            )  # fmt: skip
            sent = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 201
            answered = time.perf_counter()
            requests.append(answered - sent)
            while Deviation.objects.filter(batch=live).count() <= before:
                if time.perf_counter() - answered > 60:
                    from procrastinate.contrib.django.models import ProcrastinateJob

                    jobs = list(ProcrastinateJob.objects.values_list("task_name", "status"))
                    raise RuntimeError(f"no deviation within 60 s; the queue's jobs: {jobs}")
                time.sleep(0.02)
            seen.append(time.perf_counter() - answered)
        flowed = _flowed() - flowing_from
    finally:
        for process in (flow, server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
    return {
        "latency_s": statistics.median(seen),
        "request_s": statistics.median(requests),
        "flowed": float(flowed),
    }


def _live_record(people: dict[str, Any], excursion_tag: str) -> str:
    """Line BX as the demo line runs: the simulator's 36 tags, and an effective master record
    watching the demo's CPP specs on them (checked on every second's request) and the tag the
    benchmark's excursions go to."""
    from ebr import demo
    from historian.management.commands.simulate_line import ensure_line

    ensure_line("BX")
    specs = [{**spec, "tag": spec["tag"].replace(f"{demo.DEMO_LINE}.", "BX.", 1)}
             for spec in demo.SPECS]  # fmt: skip
    effective_master(
        people, "b", "BX", code="BX-LIVE",
        steps=[{"code": "S1", "title": "Checks", "fields": [{"name": "ok", "type": "bool"}]}],
        parameter_specs=[*specs, {"tag": excursion_tag, "low": 95.0, "high": 105.0}],
    )  # fmt: skip
    return "BX-LIVE"


def _flowed() -> int:
    """Samples of the simulated line's tags stored so far (the benchmark's CPP tags aside)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM historian_sample s JOIN historian_tag t ON t.id = s.tag_id "
            "WHERE t.name LIKE 'BX.%%' AND t.name NOT LIKE 'BX.UNIT.%%' "
            "AND s.ts > now() - interval '1 hour'"
        )
        return int(cursor.fetchone()[0])
