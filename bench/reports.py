"""Report benchmarks (issue: reports). Figures beside their targets.

The batch record of a 24-hour batch watching 20 CPP tags at 1 Hz (1.73 M samples; the `ebr`
suite's batch BX-1, planted here when this suite runs alone): rendered, signed and recorded,
median of 3. Target ≤ 10 s. Baseline in the same run: reading the 20 tags' plot intervals its
charts draw.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench.db import steady_state
from bench.people import bench_people, median


def _batch() -> Any:
    from ebr.models import Batch

    found = Batch.objects.filter(batch_number="BX-1").first()
    if found is None:  # run alone: plant the ebr suite's day
        from bench import ebr

        found, _ = ebr._plant(bench_people("b"))
        steady_state("historian_sample", "historian_rollup", "historian_rollup_hour")
    return found


def run() -> None:
    from historian.models import Tag
    from historian.selectors import ReadSpec, read
    from reports import services

    batch = _batch()
    tags = [spec["tag"] for spec in batch.master_record.parameter_specs]
    hours = ((batch.end or batch.start) - batch.start) / timedelta(hours=1)
    print(f"== reports: the batch record of {hours:g} h with {len(tags)} CPP tags at 1 Hz ==")
    people = bench_people("r")
    qa = people["r-qa"]

    def reads() -> None:
        for name in tags:
            tag = Tag.objects.get(name=name)
            read(tag, ReadSpec(start=batch.start, end=batch.end, mode="plot", points=400))

    def render() -> Any:
        return services.render_now(actor=qa, kind="batch",
                                   params={"batch_number": batch.batch_number})  # fmt: skip

    baseline = median(reads, runs=3)
    took = median(render, runs=3)
    pages = render().pages
    print(
        f"batch record PDF ({pages} pages, signed, recorded): {took:.2f} s (target ≤ 10 s); "
        f"baseline reading its charts' plot intervals {baseline:.2f} s → {took / baseline:.1f}×"
    )
