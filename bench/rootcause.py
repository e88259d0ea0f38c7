"""Root-cause benchmark (issue: root-cause ranking). Figures beside their targets.

A line of 100 tags at 1 Hz: the line simulator's 37 (with the API feeder bridging at hour 24)
and 63 more of the kinds a plant has beside them — noise, wandering, steps at random times —
over 25 hours (9 M samples), the feeders' RTD models, and the CQA excursion on the NIR a
minute after the drop. The ranking through the API (`GET /api/v1/ebr/deviations/{number}/
root-cause/`), median of 3 warm:

1. with a 24-hour look-back (`window=24h`). Target ≤ 5 s. Baseline in the same run: the reads
   the ranking cannot avoid — the 100 tags in 10 s blocks over the last two hours (raw rows) and
   in minute blocks over the 24 hours (minute rollups), and the state tags' changes.
2. with the default look-back (2 h), beside the same baseline's first part.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.db import steady_state
from bench.people import bench_people, median

HOURS = float(os.environ.get("BENCH_ROOTCAUSE_HOURS", "25"))
TAGS = 100
START = datetime(2026, 6, 1, tzinfo=UTC)
CHUNK = 3600  # seconds of the line per ingest request


def _plant(people: dict[str, Any]) -> Any:
    from ebr import services
    from ebr.models import Line
    from historian.ingest import ingest_samples
    from historian.services import tag_create
    from historian.simulator import Fault, Simulator, tag_definitions

    engineer = people["rc-eng"]
    seconds = int(HOURS * 3600)
    fault_at = max(seconds - 3600, seconds // 2)
    definitions = tag_definitions("RX")
    for d in definitions:
        tag_create(actor=engineer, reason="bench", **d)
    extra = TAGS - len(definitions)
    for i in range(extra):
        tag_create(actor=engineer, name=f"RX.AUX.SIGNAL_{i:02d}", equipment="RX/AUX", unit="-",
                   reason="bench")  # fmt: skip
    rng = np.random.default_rng(7)
    aux = np.zeros((extra, seconds))
    for i in range(extra):
        noise = rng.normal(0, 1, seconds)
        if i % 3 == 0:
            aux[i] = np.cumsum(noise) * 0.05  # wandering
        elif i % 3 == 1:
            aux[i] = noise  # noise
            aux[i, int(rng.integers(0, seconds)) :] += rng.uniform(2, 6)  # a step
        else:
            aux[i] = np.convolve(noise, np.ones(30) / 30, mode="same")  # slow noise
    fault = Fault.parse(f"feeder_drop@{fault_at}s+6m:feeder=FEEDER1,factor=0.55")
    simulator = Simulator("RX", START, seed=11, faults=[fault])
    stream = simulator.samples(seconds)
    with tqdm(total=seconds, desc="line RX", unit="s", leave=False) as bar:
        for first in range(0, seconds, CHUNK):
            items = [item for _ in range(min(CHUNK, seconds - first)) for item in next(stream)]
            for i in range(extra):
                items += [{"tag": f"RX.AUX.SIGNAL_{i:02d}",
                           "ts": (START + timedelta(seconds=s)).isoformat(),
                           "value": round(float(aux[i, s]), 4)}
                          for s in range(first, min(first + CHUNK, seconds))]  # fmt: skip
            result = ingest_samples(actor=people["collector"], source="bench",
                                    ingest_key=f"rx-{first}", items=items)  # fmt: skip
            assert result.status == 201, result.body
            bar.update(min(CHUNK, seconds - first))
    services.line_create(actor=engineer, code="RX", name="Root-cause bench line",
                         outlet_tag="RX.OUTLET.MASSFLOW")  # fmt: skip
    line = Line.objects.get(code="RX")
    for feeder in ("FEEDER1", "FEEDER2", "FEEDER3"):
        services.rtd_model_create(actor=engineer, line=line, feeder=feeder,
                                  model="tanks_in_series", n=4.0, tau_s=90.0, delay_s=15.0,
                                  effective_from=(START - timedelta(days=1)).isoformat(),
                                  reason="bench")  # fmt: skip
    drop = START + timedelta(seconds=fault_at)
    deviation, _ = services.deviation_raise(
        actor=engineer, line="RX", kind="cpp_excursion", severity="major",
        tag="RX.NIR.API_CONC", start=(drop + timedelta(minutes=1)).isoformat(),
        end=(drop + timedelta(minutes=9)).isoformat(), description="API below 9.5 %",
    )  # fmt: skip
    return deviation


def run() -> None:
    from django.test import Client

    from historian import selectors
    from reports.rootcause import inputs

    people = bench_people("rc")
    deviation = _plant(people)
    steady_state("historian_sample", "historian_rollup", "historian_rollup_hour")
    client = Client()
    client.force_login(people["rc-eng"])
    url = f"/api/v1/ebr/deviations/{deviation.number}/root-cause/"
    look_back = min(24.0, HOURS - 1)
    print(f"== rootcause: {TAGS} tags at 1 Hz over {HOURS:g} h, a {look_back:g} h look-back ==")

    def rank(window: str) -> Any:
        def call() -> Any:
            answer = client.get(url, {"window": window})
            assert answer.status_code == 200, answer.content[:300]
            return answer.json()

        return call

    tags = inputs.line_tags(deviation, None)
    span = inputs.span_of(deviation, timedelta(hours=look_back))
    fine_from = max(span.before, span.start - inputs.FINE_REACH)
    states = [t for t in tags if t.value_type in ("string", "bool") or t.step]

    def fine_reads() -> None:
        numeric = [t for t in tags if t.value_type != "string"]
        selectors.block_means(numeric, selectors.Grid.covering(fine_from, span.after, 10))
        selectors.changes(states, fine_from, span.after)

    def all_reads() -> None:
        fine_reads()
        numeric = [t for t in tags if t.value_type != "string"]
        selectors.block_means(numeric, selectors.Grid.covering(span.before, span.after, 60))
        selectors.changes(states, span.before, span.after)

    window = f"{int(look_back * 60)}m"
    body = rank(window)()
    best = body["candidates"][0]
    baseline = median(all_reads, runs=3)
    took = median(rank(window), runs=3)
    print(f"ranking over {len(tags)} tags, {look_back:g} h look-back (resolutions "
          f"{body['resolutions_s']} s, {len(body['candidates'])} candidates): {took:.2f} s "
          f"(target ≤ 5 s); baseline its reads {baseline:.2f} s → {took / baseline:.1f}×; "
          f"first: {best['ref']} ({best['score']:.2f})")  # fmt: skip
    short_base = median(fine_reads, runs=3)
    short = median(rank("2h"), runs=3)
    print(f"ranking with the default 2 h look-back: {short:.2f} s; baseline its reads "
          f"{short_base:.2f} s → {short / short_base:.1f}×")  # fmt: skip
