"""Interpolation by index probes and reads with corrections applied equal the walk over the
(corrected) rows and the corrected points summarised in Python."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accounts import roles as R
from historian import rollups, selectors
from historian.models import Tag
from historian.selectors.buckets import summaries_from_points
from historian.selectors.rows import raw_points
from historian.selectors.summary import Summary
from tests.conftest import PASSWORD
from tests.historian.reads.helpers import (
    FLOW,
    HOUR,
    INTERPOLATED_TAGS,
    SETPOINT,
    interpolation_items,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("include_bad", [False, True])
def test_interpolation_by_index_probes_equals_the_walk_over_the_rows(
    tags: Any, feed: Any, include_bad: bool
) -> None:
    """Coarse interpolation probes the index for each moment's neighbours: the same points as
    walking every stored row — linear for numbers, held for set-points, on/off and text, the
    quality rules, bad and non-finite samples skipped unless asked back, moments before the
    first sample left out."""
    from historian.selectors import modes

    begin = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    feed(interpolation_items(begin))
    for name in INTERPOLATED_TAGS:
        tag = Tag.objects.get(name=name)
        spec = selectors.ReadSpec(start=begin, end=begin + timedelta(hours=3, minutes=20),
                                  mode="interpolated", interval=timedelta(seconds=97),
                                  include_bad=include_bad)  # fmt: skip
        times = [begin + k * timedelta(seconds=97) for k in range(124)]
        assert modes._probed(tag, spec, times) == modes._walked(tag, spec, times), name
        series = selectors.read(tag, spec)
        assert isinstance(series, selectors.InterpolatedSeries)
        assert series.points[0].ts > begin + timedelta(minutes=7)


@pytest.mark.parametrize("include_bad", [False, True])
def test_interpolation_with_corrections_applied_probes_the_corrected_series(
    tags: Any, feed: Any, make_user: Any, include_bad: bool
) -> None:
    """With corrections applied, coarse interpolation still probes the index: a stored sample
    a correction covers gives way to the correction's values inside the window (outside it,
    the stored samples stand) — the same neighbours as the walk over the corrected rows, for
    numbers, set-points, on/off (true/false corrected values) and text; corrected values
    that are bad, null or NaN skipped unless asked back."""
    from audit.signing import SignatureRequest
    from historian.selectors import modes
    from historian.selectors.buckets import LEVELS, Numbering, bucket_edges, summaries
    from historian.selectors.rows import apply_corrections
    from historian.services import correction_create

    begin = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    feed(interpolation_items(begin))
    qa = make_user(R.QA_REVIEWER, username="quinn")
    signature = SignatureRequest(password=PASSWORD, meaning="approved", reason="ok",
                                 username="quinn")  # fmt: skip
    m = timedelta(minutes=1)
    values: dict[str, list[Any]] = {
        FLOW: [5.0, None, float("nan"), 7.5], SETPOINT: [2.5, 1.5, 3.0, 2.0],
        "L1.PRESS.RUNNING": [True, False, True, False], "L1.FEEDER1.LOT": ["C", "D", "E", "F"],
    }  # fmt: skip
    for name, corrected in values.items():
        tag = Tag.objects.get(name=name)
        qualities = ["good", "bad", "bad", "uncertain"] if name == FLOW else ["good"] * 4
        pairs = list(enumerate(zip(corrected, qualities, strict=True)))
        for a, b in ((-5 * m, 3 * m), (40 * m, 55 * m), (50 * m, 70 * m), (190 * m, 210 * m)):
            correction_create(
                actor=qa, tag=tag, start=(begin + a).isoformat(), end=(begin + b).isoformat(),
                values=[{"ts": (begin + a + (b - a) * (i + 1) / 5).isoformat(), "value": v,
                         "quality": q} for i, (v, q) in pairs],
                reason="recalculated", signature=signature,
            )  # fmt: skip
    for name in INTERPOLATED_TAGS:
        tag = Tag.objects.get(name=name)
        spec = selectors.ReadSpec(start=begin, end=begin + timedelta(hours=3, minutes=20),
                                  mode="interpolated", interval=timedelta(seconds=97),
                                  include_bad=include_bad, apply_corrections=True)  # fmt: skip
        times = [begin + k * timedelta(seconds=97) for k in range(124)]
        probed = modes._probed(tag, spec, times, corrected=True)
        assert probed == modes._walked(tag, spec, times), name
        assert any(p.corrected for pair in probed for p in pair if p), name
        # The buckets of every kind of tag read the same corrected values.
        edges = bucket_edges(spec.start, spec.end, 10 * m, None)
        by_number, _ = summaries(tag, replace(spec, mode="aggregate", interval=10 * m),
                                 Numbering.of_edges(edges), LEVELS)  # fmt: skip
        points = apply_corrections(tag, raw_points(tag, spec.start, spec.end), spec.start,
                                   spec.end, True)  # fmt: skip
        want = summaries_from_points(points, edges, spec.start, spec.end, include_bad)
        for k, expected in enumerate(want, start=1):
            got = by_number.get(k, Summary())
            assert replace(got, sum=0, sumsq=0, int_linear=0, int_step=0) == replace(
                expected, sum=0, sumsq=0, int_linear=0, int_step=0
            ), (name, k)
            assert (got.sum, got.int_linear) == pytest.approx((expected.sum, expected.int_linear))


@pytest.mark.parametrize("include_bad", [False, True])
def test_reads_with_corrections_applied_equal_the_corrected_points(
    tags: Any, feed: Any, make_user: Any, include_bad: bool
) -> None:
    """Corrections applied: each stretch a correction covers is reduced from the corrected
    rows inside PostgreSQL and the stretches between come from the rollups — the same
    buckets and plot intervals as the points with the corrections applied in Python
    (apply_corrections), summarised by Summary.merge. Overlapping corrections, one inside a
    minute, one across an hour, corrected values that are bad, null, NaN or uncertain."""
    from audit.signing import SignatureRequest
    from historian.selectors.buckets import LEVELS, Numbering, bucket_edges, summaries
    from historian.selectors.rows import apply_corrections
    from historian.services import correction_create

    rng = random.Random(8)
    begin = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    samples, t = [], begin
    while t < begin + timedelta(hours=3):
        t += timedelta(seconds=rng.uniform(0.5, 12))
        quality = rng.choice(["good"] * 8 + ["uncertain", "bad"])
        samples.append(
            {"tag": FLOW, "ts": t.isoformat(), "value": rng.uniform(0, 20), "quality": quality}
        )
    feed(samples)
    rollups.drain_all()
    tag = Tag.objects.get(name=FLOW)
    qa = make_user(R.QA_REVIEWER, username="quinn")
    signature = SignatureRequest(password=PASSWORD, meaning="approved", reason="ok",
                                 username="quinn")  # fmt: skip

    def correct(a: timedelta, b: timedelta, values: list[tuple[timedelta, Any, str]]) -> None:
        correction_create(
            actor=qa, tag=tag, start=(begin + a).isoformat(), end=(begin + b).isoformat(),
            values=[{"ts": (begin + at).isoformat(), "value": v, "quality": q}
                    for at, v, q in values],
            reason="recalculated", signature=signature,
        )  # fmt: skip

    m, s = timedelta(minutes=1), timedelta(seconds=1)
    correct(20 * m + 10 * s, 35 * m + 40 * s,
            [(21 * m + i * 7 * s, rng.uniform(30, 40), "good") for i in range(60)])  # fmt: skip
    correct(30 * m, 50 * m, [(31 * m, 99.0, "uncertain"), (45 * m + 0.5 * s, None, "bad")])
    correct(70 * m + 5.5 * s, 70 * m + 30 * s,
            [(70 * m + 6 * s, float("nan"), "bad"), (70 * m + 9 * s, -3.0, "bad")])  # fmt: skip
    correct(115 * m, 127 * m, [(116 * m, 1.0, "good"), (126 * m + 59 * s, 2.0, "good")])

    def expected(start: datetime, end: datetime, edges: list[datetime]) -> list[Any]:
        points = apply_corrections(tag, raw_points(tag, start, end), start, end, True)
        return summaries_from_points(points, edges, start, end, include_bad)

    for start, end, interval in (
        (begin + 10 * m, begin + 170 * m, 7 * m),
        (begin, begin + 3 * HOUR, HOUR),
        (begin + 4 * m + 31 * s, begin + 177 * m + 12 * s, HOUR),
    ):
        spec = selectors.ReadSpec(start=start, end=end, mode="aggregate", interval=interval,
                                  aggregates=("avg",), include_bad=include_bad,
                                  apply_corrections=True)  # fmt: skip
        edges = bucket_edges(start, end, interval, None)
        by_number, level = summaries(tag, spec, Numbering.of_edges(edges), LEVELS)
        got = [by_number.get(k, Summary()) for k in range(1, len(edges))]
        assert level is not None  # the stretches between corrections came from the rollups
        want = expected(start, end, edges)
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            for name in ("n", "min", "min_ts", "max", "max_ts", "first", "first_ts", "last",
                         "last_ts", "bad", "uncertain"):  # fmt: skip
                assert getattr(a, name) == getattr(b, name), name
            for name in ("sum", "sumsq", "int_linear", "int_step"):
                assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-9, abs=1e-9)
        plot = replace(spec, mode="plot", interval=None, aggregates=(), points=50)
        series = selectors.read(tag, plot)
        assert isinstance(series, selectors.PlotSeries)
        assert series.source.startswith("rollups:")
        plot_edges = [start]
        while plot_edges[-1] < end:
            plot_edges.append(min(series.origin + len(plot_edges) * series.interval, end))
        assert series.intervals == [
            selectors.PlotInterval.of(plot_edges[k], x)
            for k, x in enumerate(expected(start, end, plot_edges))
            if x.n or x.bad
        ]
