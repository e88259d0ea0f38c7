"""LIMS bridge benchmarks (issue: LIMS bridge). Figures beside their targets.

1. A SENAITE pull of 10,000 analyses (2,000 samples over 10 batches, pages of 500) from a local
   server answering like senaite.jsonapi: login, every page, each sample's batch, mapping,
   revision check and the atomic store with audit events. Target ≤ 30 s. Baseline in the same
   run: reading the same pages and samples alone (the transfer the pull cannot avoid).
2. A 10,000-row CSV import through a saved mapping, atomic. Target ≤ 30 s. Baseline: parsing
   the same file into push items (no checks, no storage).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tqdm import tqdm

from bench.people import bench_people, effective_master

ANALYSES = int(os.environ.get("BENCH_LIMS_ANALYSES", "10000"))
PER_SAMPLE = 5
BATCHES = 10
START = datetime(2026, 5, 1, tzinfo=UTC)


def _plant(people: dict[str, Any]) -> None:
    from ebr import services
    from historian.services import tag_create

    tag_create(actor=people["m-eng"], name="MX.PRESS.WEIGHT", equipment="MX/PRESS", unit="mg")
    services.line_create(actor=people["m-eng"], code="MX", name="Bench line")
    effective_master(
        people, "m", "MX", code="MX-MR", steps=[{"code": "S1", "title": "Run"}],
        lims_tests=[{"test": "assay", "unit": "%", "low": 95.0, "high": 105.0}],
    )  # fmt: skip
    for i in range(BATCHES):
        start = START + timedelta(days=i)
        services.batch_create(actor=people["m-sup"], batch_number=f"MX-{i:02d}",
                              master_record="MX-MR", line="MX", start=start.isoformat(),
                              end=(start + timedelta(days=1)).isoformat())  # fmt: skip


def _lab() -> Any:
    from tests.lims_bridge.fake_senaite import Lims

    lab = Lims()
    samples = ANALYSES // PER_SAMPLE
    for s in range(samples):
        lab.sample(f"s{s}", f"W-{s:05d}", f"MX-{s % BATCHES:02d}")
    for a in range(ANALYSES):
        lab.analysis(f"a{a:05d}", f"s{a // PER_SAMPLE}", "assay", f"{96 + (a % 80) / 10:.1f}",
                     state="verified", verifiers=["m-qa"])  # fmt: skip
    return lab


def pull(people: dict[str, Any]) -> dict[str, float]:
    from lims_bridge import senaite, services
    from tests.lims_bridge import fake_senaite

    lab = _lab()
    with fake_senaite.running(lab) as url:
        site = senaite.Site(url, fake_senaite.USER, fake_senaite.PASSWORD)
        # Baseline: the pages and the samples read, nothing else.
        started = time.perf_counter()
        client = senaite.Client(site)
        client.login()
        parents = {a["parent_uid"] for a in client.analyses()}
        for uid in parents:
            client.sample(uid)
        baseline = time.perf_counter() - started
        transfer = services.pull_queue(actor=people["collector"], site=site)
        with tqdm(total=100, desc="SENAITE pull", unit="%", leave=False) as bar:

            def progress(share: float, what: str) -> None:
                bar.set_postfix_str(what)
                bar.update(round(share * 100) - bar.n)

            started = time.perf_counter()
            done = services.pull_senaite(actor=people["collector"], transfer=transfer,
                                         site=site, progress=progress)  # fmt: skip
            took = time.perf_counter() - started
        assert done.state == "done", done.error
        # Again, since before every analysis was modified: each compared with its revision.
        again = services.pull_queue(actor=people["collector"], site=site,
                                    since="2026-01-01T00:00:00Z")  # fmt: skip
        started = time.perf_counter()
        repeat = services.pull_senaite(actor=people["collector"], transfer=again, site=site)
        repeat_s = time.perf_counter() - started
    return {"pull_s": took, "baseline_s": baseline, "created": float(done.counts["created"]),
            "repeat_s": repeat_s, "unchanged": float(repeat.counts["unchanged"])}  # fmt: skip


def file_import(people: dict[str, Any]) -> dict[str, float]:
    from lims_bridge import files, services
    from lims_bridge.models import ColumnMapping

    columns = {c: c for c in ("lims_id", "revision", "sample_id", "batch_number", "test",
                              "result", "unit", "spec_low", "spec_high", "status")}  # fmt: skip
    services.mapping_save(actor=people["collector"], name="bench", columns=columns)
    lines = [",".join(columns)]
    for r in range(ANALYSES):
        lines.append(f"F{r:05d},1,FS-{r // PER_SAMPLE:05d},MX-{(r // PER_SAMPLE) % BATCHES:02d},"
                     f"assay,{96 + (r % 80) / 10:.1f},%,95,105,verified")  # fmt: skip
    content = ("\n".join(lines) + "\n").encode()
    mapping = ColumnMapping.objects.get(name="bench")
    started = time.perf_counter()
    files.items_from(files.read_rows(content, "bench.csv"), mapping)
    baseline = time.perf_counter() - started
    with tqdm(total=1, desc="10,000-row import", leave=False) as bar:
        started = time.perf_counter()
        _, stored = services.file_import(actor=people["collector"], content=content,
                                         filename="bench.csv", mapping_name="bench")  # fmt: skip
        took = time.perf_counter() - started
        bar.update(1)
    return {"import_s": took, "parse_s": baseline, "created": float(stored.created)}


def run() -> None:
    print(f"== lims: a SENAITE pull of {ANALYSES:,} analyses; a {ANALYSES:,}-row file import ==")
    people = bench_people("m")
    _plant(people)
    p = pull(people)
    print(
        f"SENAITE pull, {ANALYSES:,} analyses ({ANALYSES // PER_SAMPLE:,} samples, "
        f"{p['created']:,.0f} stored): {p['pull_s']:.1f} s (target ≤ 30 s); baseline reading "
        f"the pages and samples {p['baseline_s']:.1f} s → {p['pull_s'] / p['baseline_s']:.1f}×; "
        f"pulling again ({p['unchanged']:,.0f} unchanged, nothing stored) {p['repeat_s']:.1f} s"
    )
    f = file_import(people)
    print(
        f"file import, {ANALYSES:,} CSV rows ({f['created']:,.0f} stored): {f['import_s']:.1f} s "
        f"(target ≤ 30 s); baseline parsing the file {f['parse_s']:.2f} s → "
        f"{f['import_s'] / f['parse_s']:.0f}×"
    )
