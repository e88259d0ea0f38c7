"""Genealogy benchmarks (issue: continuous genealogy). Figures beside their targets.

A line with 6 feeders and 30 days of feeds (a refill with a lot switch every 2 h on each
feeder, 12 lots per feeder charged in turn: 2,160 feeds), two RTD versions per feeder (the
second effective mid-way), the outlet's mass flow every 10 s for the 30 days (259,200
samples), and a batch a day.

1. Backward trace of a day's output window (a batch), through the API
   (`GET /api/v1/genealogy/backward/`), median warm. Target ≤ 200 ms. Also the whole 30 days.
   Baseline in the same run: the reads the trace cannot avoid — the feeds with their windows
   and the outlet's flow per interval.
2. Forward trace of a lot over the 30 days (30 charges), through the API
   (`GET /api/v1/genealogy/forward/`), median warm. Target ≤ 500 ms. Baseline: the lot's
   charges and the line's batches read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tqdm import tqdm

from bench.db import steady_state
from bench.people import bench_people, effective_master, median, sign

DAYS = int(os.environ.get("BENCH_GENEALOGY_DAYS", "30"))
FEEDERS = 6
LOTS_PER_FEEDER = 12
SWITCH = timedelta(hours=2)
START = datetime(2026, 4, 1, tzinfo=UTC)


def _plant(people: dict[str, Any]) -> None:
    from ebr import services
    from ebr.models import Line
    from historian.ingest import ingest_samples
    from historian.services import tag_create

    engineer = people["g-eng"]
    for i in range(1, FEEDERS + 1):
        tag_create(actor=engineer, name=f"GX.FEEDER{i}.MASSFLOW", equipment=f"GX/FEEDER{i}",
                   unit="kg/h")  # fmt: skip
    tag_create(actor=engineer, name="GX.OUTLET.MASSFLOW", equipment="GX/OUTLET", unit="kg/h")
    seconds = DAYS * 86400
    with tqdm(total=seconds // 10, desc="outlet flow", unit="samples", leave=False) as bar:
        for first in range(0, seconds, 200_000):
            items = [
                {"tag": "GX.OUTLET.MASSFLOW", "ts": (START + timedelta(seconds=s)).isoformat(),
                 "value": 20.0 + (s // 3600 % 5) * 0.5}
                for s in range(first, min(seconds, first + 200_000), 10)
            ]  # fmt: skip
            result = ingest_samples(actor=people["collector"], source="bench",
                                    ingest_key=f"gx-{first}", items=items)  # fmt: skip
            assert result.status == 201, result.body
            bar.update(len(items))
    services.line_create(actor=engineer, code="GX", name="Bench line",
                         outlet_tag="GX.OUTLET.MASSFLOW")  # fmt: skip
    line = Line.objects.get(code="GX")
    for i in range(1, FEEDERS + 1):
        for since, tau in ((START - timedelta(days=1), 90.0), (START + timedelta(days=15), 110.0)):
            services.rtd_model_create(actor=engineer, line=line, feeder=f"FEEDER{i}",
                                      model="tanks_in_series", n=3.0 + i / 2, tau_s=tau,
                                      delay_s=30.0, effective_from=since.isoformat(),
                                      reason="bench")  # fmt: skip
    lots = [(f"M{i}", f"M{i}-{k:03d}") for i in range(1, FEEDERS + 1)
            for k in range(LOTS_PER_FEEDER)]  # fmt: skip
    for material, number in tqdm(lots, desc="lots released", leave=False):
        lot = services.lot_create(actor=people["g-sup"], material=material, lot=number)
        services.lot_dispose(actor=people["g-qa"], lot=lot, decision="release",
                             signature=sign("g-qa", "released"))  # fmt: skip
    switches = int(DAYS * timedelta(days=1) / SWITCH)
    with tqdm(total=switches * FEEDERS, desc="feeds", leave=False) as bar:
        for i in range(1, FEEDERS + 1):
            for k in range(switches):
                at = START + k * SWITCH + timedelta(minutes=7 * i)  # feeders switch apart
                services.feed_charge(actor=people["g-op"], line=line, feeder=f"FEEDER{i}",
                                     material=f"M{i}", lot=f"M{i}-{k % LOTS_PER_FEEDER:03d}",
                                     start=at.isoformat())  # fmt: skip
                bar.update(1)
    _batches(people)


def _batches(people: dict[str, Any]) -> None:
    from ebr import services

    effective_master(people, "g", "GX", code="GX-MR", steps=[{"code": "S1", "title": "Run"}])
    for day in range(DAYS):
        start = START + timedelta(days=day)
        services.batch_create(actor=people["g-sup"], batch_number=f"GX-{day + 1:02d}",
                              master_record="GX-MR", line="GX", start=start.isoformat(),
                              end=(start + timedelta(days=1)).isoformat())  # fmt: skip


def measure(people: dict[str, Any]) -> dict[str, float]:
    from django.db import connection
    from django.test import Client

    from ebr.models import Line, MaterialLot
    from ebr.selectors.genealogy import _LOT_CHARGES, line_charges, outlet_flow

    client = Client()
    client.force_login(people["g-qa"])
    line = Line.objects.select_related("outlet_tag").get(code="GX")

    def get(path: str, **query: str) -> Callable[[], Any]:
        def call() -> Any:
            answer = client.get(path, query)
            assert answer.status_code == 200, answer.content[:300]
            return answer.json()

        return call

    day_start = START + timedelta(days=DAYS * 2 // 3)
    day_end = day_start + timedelta(days=1)
    month_end = START + timedelta(days=DAYS)
    back = "/api/v1/genealogy/backward/"
    lot = MaterialLot.objects.get(lot="M1-000")

    def reads(start: datetime, end: datetime) -> Callable[[], Any]:
        return lambda: (line_charges(line, end), outlet_flow(line, start, end))

    def lot_reads() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(_LOT_CHARGES, [lot.pk, lot.pk])
            cursor.fetchall()
        return list(line.batches.values_list("batch_number", "start", "end"))

    forward = get("/api/v1/genealogy/forward/", material="M1", lot="M1-000")
    return {
        "day_s": median(get(back, line="GX", start=day_start.isoformat(), end=day_end.isoformat())),
        "day_reads_s": median(reads(day_start, day_end)),
        "month_s": median(get(back, line="GX", start=START.isoformat(), end=month_end.isoformat())),
        "month_reads_s": median(reads(START, month_end)),
        "forward_s": median(forward),
        "forward_reads_s": median(lot_reads),
        "outputs": float(len(forward()["outputs"])),
        "charges": float(lot.feeds.count()),
    }


def run() -> None:
    print(f"== genealogy: {DAYS} days of feeds on {FEEDERS} feeders ==")
    from ebr.models import Feed

    people = bench_people("g")
    _plant(people)
    steady_state("historian_sample", "historian_rollup", "historian_rollup_hour", "ebr_feed")
    m = measure(people)
    feeds = Feed.objects.count()
    print(
        f"backward trace of a day (API, {feeds:,} feeds stored, outlet-weighted): "
        f"{m['day_s'] * 1000:,.0f} ms (target ≤ 200 ms); baseline its reads "
        f"{m['day_reads_s'] * 1000:,.1f} ms → {m['day_s'] / m['day_reads_s']:.1f}×"
    )
    print(
        f"backward trace of all {DAYS} days (API): {m['month_s'] * 1000:,.0f} ms (target ≤ "
        f"200 ms); baseline its reads {m['month_reads_s'] * 1000:,.1f} ms → "
        f"{m['month_s'] / m['month_reads_s']:.1f}×"
    )
    print(
        f"forward trace of a lot over {DAYS} days (API, {m['charges']:.0f} charges, "
        f"{m['outputs']:.0f} output windows): {m['forward_s'] * 1000:,.0f} ms (target ≤ 500 "
        f"ms); baseline its reads {m['forward_reads_s'] * 1000:,.1f} ms → "
        f"{m['forward_s'] / m['forward_reads_s']:.1f}×"
    )
