"""Trend viewer benchmark (issue: trend viewer). Figures beside their target.

First paint of 8 tags over 24 hours of the demo data (`make demo`'s simulated day of line L1,
about 40 tags at 1 Hz) in Debian's Chromium against a served Ledgerline (runserver, threaded,
as `make demo` serves): from the navigation's start until the chart is painted, the trend's
own `performance` marks telling where the time goes (the page's HTML, the reads, drawing).
Target ≤ 1 s (the viewer before this issue: 1.6 s). Baseline in the same run: the same 8 plot
reads in-process (historian.selectors.read, no HTTP, no browser) — what the database and
Python must do at the least; the ratio says what the browser, HTTP and drawing add.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

from tqdm import tqdm

HOURS = float(os.environ.get("BENCH_TREND_HOURS", "24"))
RUNS = int(os.environ.get("BENCH_TREND_RUNS", "5"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TAGS = [
    "L1.FEEDER1.MASSFLOW",
    "L1.FEEDER2.MASSFLOW",
    "L1.FEEDER3.MASSFLOW",
    "L1.BLENDER.SPEED",
    "L1.NIR.API_CONC",
    "L1.PRESS.MAIN_FORCE",
    "L1.PRESS.TABLET_WEIGHT",
    "L1.PRESS.TURRET_SPEED",
]
# Each phase of the first paint, from the navigation's start (ms).
PHASES = {
    "page HTML": "performance.getEntriesByType('navigation')[0].responseEnd",
    "reads answered": "performance.getEntriesByName('trend-data')[0].startTime",
    "chart painted": "performance.getEntriesByName('trend-painted')[0].startTime",
}

# The slowest read of each kind the page made (ms, server and network), and how many.
READS = """() => {
    const out = {};
    for (const e of performance.getEntriesByType('resource')) {
        const kind = (e.name.match(/\\/api\\/v1\\/historian\\/tags\\/[^/]+\\/(\\w+)\\//) || [])[1];
        if (!kind) continue;
        out[kind + ' slowest'] = Math.max(out[kind + ' slowest'] || 0, e.duration);
        out[kind + ' count'] = (out[kind + ' count'] || 0) + 1;
    }
    return out;
}"""


def _seed() -> tuple[str, str, str, str]:
    """The demo's data and a process engineer who may read it; (start, end, user, password)."""
    from django.core.management.base import OutputWrapper
    from django.test import override_settings

    from accounts import roles as R
    from accounts.services import user_create
    from audit.actors import SystemActor
    from audit.canonical import format_ts
    from audit.context import audit_context
    from historian import demo
    from historian.models import Tag
    from historian.selectors import current

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        from accounts import demo as accounts_demo

        accounts_demo.seed(OutputWrapper(open(os.devnull, "w")))  # noqa: SIM115
        demo.seed(OutputWrapper(sys.stdout), hours=HOURS)
        actor = SystemActor("system:bench")
        user, password = user_create(
            actor=actor,
            username="bench-trend",
            full_name="Bench Trend",
            roles=[R.PROCESS_ENGINEER],
            reason="bench",
        )
        with audit_context(actor=actor, reason="bench"):
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
    missing = set(TAGS) - set(Tag.objects.filter(name__in=TAGS).values_list("name", flat=True))
    assert not missing, f"the demo line has no tag {missing}"
    latest = current(Tag.objects.get(name=TAGS[0]))
    assert latest is not None
    end = latest.ts.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=min(HOURS, 24))
    return format_ts(start), format_ts(end), "bench-trend", password


def _in_process(start: str, end: str, points: int) -> float:
    """The baseline: the 8 plot reads one after another in this process."""
    from historian.models import Tag
    from historian.selectors import ReadSpec, read
    from historian.timestamps import parse_ts

    begin, finish = parse_ts(start), parse_ts(end)
    assert not isinstance(begin, str)
    assert not isinstance(finish, str)
    spec = ReadSpec(start=begin[0], end=finish[0], mode="plot", points=points)
    tags = list(Tag.objects.filter(name__in=TAGS))
    started = time.perf_counter()
    for tag in tags:
        read(tag, spec)
    return time.perf_counter() - started


def _serve(port: int) -> subprocess.Popen[bytes]:
    from bench.historian.common import server_env, serving

    env = server_env()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if serving(port):
        return server
    server.terminate()
    raise RuntimeError("the benchmark's server did not start within 30 s")


def first_paint() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from bench.historian.common import free_port

    start, end, username, password = _seed()
    port = free_port()
    server = _serve(port)
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/historian/trend/?tags={','.join(TAGS)}&start={start}&end={end}"
    runs: list[dict[str, float]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            page = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/accounts/login/" not in u)
            # The first run is cold (server and database caches empty), the others warm.
            for _ in tqdm(range(RUNS + 1), desc="trend first paint", leave=False):
                page.goto(url)
                page.wait_for_function("performance.getEntriesByName('trend-painted').length")
                # The annotations and corrections are read after the first paint; wait for them
                # so every read is counted.
                page.wait_for_function(
                    "document.getElementById('trend-status').dataset.loaded === '1'"
                )
                runs.append({name: float(page.evaluate(js)) for name, js in PHASES.items()})
                runs[-1]["points"] = float(page.evaluate("window.ledgerlineTrend.points"))
                runs[-1].update(page.evaluate(READS))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    points = int(runs[0]["points"])
    baseline = statistics.median(_in_process(start, end, points) for _ in range(RUNS))
    warm = runs[1:]
    return {
        "cold": runs[0],
        "warm": {name: statistics.median(r.get(name, 0) for r in warm) for name in runs[-1]},
        "baseline_ms": baseline * 1000,
        "points": points,
    }


def run() -> None:
    print(f"== trend: first paint of {len(TAGS)} tags over {min(HOURS, 24):g} h of demo data ==")
    r = first_paint()
    warm, cold = r["warm"], r["cold"]
    painted = warm["chart painted"]
    print(
        f"first paint (median of {RUNS} warm): {painted:,.0f} ms (target ≤ 1,000 ms; "
        f"before this issue 1,600 ms); cold: {cold['chart painted']:,.0f} ms"
    )
    print(
        f"  page HTML {warm['page HTML']:,.0f} ms → reads answered "
        f"{warm['reads answered']:,.0f} ms → chart painted {painted:,.0f} ms "
        f"({r['points']} intervals per tag)"
    )
    reads = [
        f"{kind} ×{warm[kind + ' count']:.0f} (slowest {warm[kind + ' slowest']:,.0f} ms)"
        for kind in ("values", "annotations", "corrections")
        if warm.get(kind + " count")
    ]
    print(f"  reads: {', '.join(reads)}")
    print(
        f"baseline: the 8 plot reads in-process {r['baseline_ms']:,.1f} ms; first paint "
        f"{painted / r['baseline_ms']:.1f}× that"
    )
