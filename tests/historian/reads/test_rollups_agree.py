"""The rollup paths answer as the raw rows: at every drain state, with bad samples asked back,
over windows off whole minutes and hours; buckets reduced in SQL equal the points merged in
Python, text tags included."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from historian import rollups, selectors
from historian.models import Tag
from historian.selectors.buckets import summaries_from_points
from historian.selectors.rows import raw_points
from historian.selectors.summary import Summary
from tests.historian.reads.helpers import (
    FLOW,
    HOUR,
)

pytestmark = pytest.mark.django_db


def test_rollups_and_raw_rows_agree(tags: Any, feed: Any) -> None:
    """Whether the minutes are owed to the rollups, drained, or drained and then given late
    samples (so stored hours, stored minutes and owed minutes mix in one read), the rollup
    path answers as the raw rows do — with bad samples asked back too (the rollups with bad
    samples: single ones, runs of them, some without a finite value, some alone in their
    bucket)."""
    rng = random.Random(3)
    begin = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    samples = []
    t = begin
    while t < begin + timedelta(hours=3):
        t += timedelta(seconds=rng.uniform(0.2, 9))
        if rng.random() < 0.02:  # a run of bad samples
            run = [t + timedelta(seconds=i * rng.uniform(0.5, 40)) for i in range(8)]
            samples += [{"tag": FLOW, "ts": at.isoformat(), "value": rng.uniform(0, 20),
                         "quality": "bad"} for at in run]  # fmt: skip
            t = run[-1]
            continue
        quality = rng.choice(["good"] * 8 + ["uncertain", "bad"])
        value: Any = rng.uniform(0, 20)
        if quality == "bad" and rng.random() < 0.3:
            value = rng.choice([None, float("nan"), float("-inf")])
        samples.append({"tag": FLOW, "ts": t.isoformat(), "value": value, "quality": quality})
    tag = Tag.objects.get(name=FLOW)
    minutes_of = lambda part: len({item["ts"][:16] for item in part})  # noqa: E731
    feed(samples[::2])
    assert rollups.backlog().minutes == minutes_of(samples[::2]) >= 150  # every minute owed
    assert_rollups_answer_as_raw_rows(tag, begin)
    assert rollups.drain_all() == minutes_of(samples[::2])
    assert rollups.backlog() == rollups.Backlog(0, None)
    assert_rollups_answer_as_raw_rows(tag, begin)
    # Late: the second half fills the first's past, behind the drained minutes — and a
    # third of it in a second statement, to owe some minutes twice.
    late = samples[1::2]
    feed(late[: len(late) // 3])
    feed(late[len(late) // 3 :])
    owed = rollups.backlog().minutes
    assert owed == minutes_of(samples[1::2])
    rollups.drain(100)  # some hours drained again, some not
    assert rollups.backlog().minutes == owed - 100
    assert_rollups_answer_as_raw_rows(tag, begin)
    rollups.drain_all()
    assert_rollups_answer_as_raw_rows(tag, begin)


def assert_rollups_answer_as_raw_rows(tag: Tag, begin: datetime) -> None:
    for include_bad in (False, True):
        assert_rollups_answer_as_raw_rows_with(tag, begin, include_bad)


def assert_rollups_answer_as_raw_rows_with(tag: Tag, begin: datetime, include_bad: bool) -> None:
    # Typed reads, as the batch record and the reports call them.
    minutes = selectors.ReadSpec(
        start=begin + timedelta(minutes=10),
        end=begin + timedelta(hours=2, minutes=50),
        mode="aggregate",
        interval=timedelta(minutes=7),
        aggregates=("avg", "min", "max", "twa", "count", "first", "last", "stddev"),
        include_bad=include_bad,
    )
    hours = replace(minutes, start=begin, end=begin + timedelta(hours=3), interval=HOUR)
    # Windows off whole minutes and hours: their stretches before and after the whole ones
    # come from finer rollups and the stored rows.
    off_minutes = replace(
        minutes,
        start=minutes.start + timedelta(seconds=17.25),
        end=minutes.end - timedelta(seconds=3.5),
    )
    off_hours = replace(
        hours,
        start=begin + timedelta(minutes=4, seconds=31),
        end=begin + timedelta(hours=2, minutes=57, seconds=12),
    )
    pairs = []
    for spec, level in (
        (minutes, "rollups:minute"),
        (hours, "rollups:hour"),
        (off_minutes, "rollups:minute"),
        (off_hours, "rollups:hour"),
    ):
        from_rollups = selectors.read(tag, spec)
        with selectors.rollups_disabled():
            from_raw = selectors.read(tag, spec)
        assert isinstance(from_rollups, selectors.AggregateSeries)
        assert isinstance(from_raw, selectors.AggregateSeries)
        assert from_rollups.source == level
        assert from_raw.source == "raw"
        pairs += list(zip(from_rollups.buckets, from_raw.buckets, strict=True))
    assert len(pairs) > 20
    for a, b in pairs:
        assert (a.ts, a.bad_count, a.uncertain_count) == (b.ts, b.bad_count, b.uncertain_count)
        assert list(a.aggregates) == list(b.aggregates)
        for key, value in a.aggregates.items():
            if isinstance(value, float):
                assert value == pytest.approx(b.aggregates[key], rel=1e-9, abs=1e-9), key
            else:
                assert value == b.aggregates[key], key
    # Plots: the merged rollups and the raw rows reduced in SQL give the same intervals.
    plot = replace(hours, mode="plot", interval=None, aggregates=(), points=60)
    from_rollups = selectors.read(tag, plot)
    with selectors.rollups_disabled():
        from_raw = selectors.read(tag, plot)
    assert isinstance(from_rollups, selectors.PlotSeries)
    assert isinstance(from_raw, selectors.PlotSeries)
    assert (from_rollups.source, from_raw.source) == ("rollups:minute", "raw")
    assert len(from_rollups.intervals) == 60
    assert from_rollups.intervals == from_raw.intervals
    assert sum(i.bad_count for i in from_raw.intervals) > 0
    assert sum(i.uncertain_count for i in from_raw.intervals) > 0
    # A plot of a window off whole minutes: its intervals are whole minutes counted from the
    # minute it starts in (the first cut short), every one as the raw points summarise it.
    off = replace(off_hours, mode="plot", interval=None, aggregates=(), points=60)
    series = selectors.read(tag, off)
    assert isinstance(series, selectors.PlotSeries)
    assert series.source == "rollups:minute"
    assert series.origin == off.start.replace(second=0) < off.start
    edges = [off.start]
    while edges[-1] < off.end:
        edges.append(min(series.origin + len(edges) * series.interval, off.end))
    assert 50 < len(edges) - 1 <= 60
    expected = summaries_from_points(
        raw_points(tag, off.start, off.end), edges, off.start, off.end, include_bad
    )
    assert series.intervals == [
        selectors.PlotInterval.of(edges[k], s) for k, s in enumerate(expected) if s.n or s.bad
    ]


@pytest.mark.parametrize("include_bad", [False, True])
def test_rows_summarised_in_sql_equal_the_points_merged_in_python(
    tags: Any, feed: Any, include_bad: bool
) -> None:
    """Where rollups cannot answer (bad samples asked back, edges off whole minutes), buckets
    are reduced inside PostgreSQL: the same summaries as Summary.merge over the points, bad
    samples with and without values, non-finite ones and uncertain ones included."""
    from historian.selectors.buckets import Numbering, bucket_edges, stretch_summaries

    rng = random.Random(11)
    begin = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    samples = []
    t = begin
    while t < begin + timedelta(hours=2):
        t += timedelta(seconds=rng.uniform(0.5, 20))
        quality = rng.choice(["good"] * 6 + ["uncertain", "bad"])
        value: Any = rng.uniform(-5, 20)
        if quality == "bad" and rng.random() < 0.4:
            value = rng.choice([None, float("nan"), float("inf")])
        samples.append({"tag": FLOW, "ts": t.isoformat(), "value": value, "quality": quality})
    feed(samples)
    tag = Tag.objects.get(name=FLOW)
    start, end = begin + timedelta(minutes=3, seconds=17), begin + timedelta(hours=1, minutes=51)
    edges = bucket_edges(start, end, timedelta(seconds=437), None)
    spec = selectors.ReadSpec(start=start, end=end, mode="aggregate", interval=edges[1] - edges[0],
                              aggregates=("avg",), include_bad=include_bad)  # fmt: skip
    rows = stretch_summaries(tag, spec, Numbering.of_edges(edges), (start, end), levels=())[0]
    from_sql = [rows.get(k, Summary()) for k in range(1, len(edges))]
    points = raw_points(tag, max(start, edges[0]), min(end, edges[-1]))
    in_python = summaries_from_points(points, edges, start, end, include_bad)
    assert len(from_sql) == len(in_python) > 10
    assert sum(s.bad for s in from_sql) > 0
    assert sum(s.uncertain for s in from_sql) > 0
    for a, b in zip(from_sql, in_python, strict=True):
        for name in ("n", "min", "min_ts", "max", "max_ts", "first", "first_ts", "last",
                     "last_ts", "bad", "uncertain"):  # fmt: skip
            assert getattr(a, name) == getattr(b, name), name
        for name in ("sum", "sumsq", "int_linear", "int_step"):
            assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-9, abs=1e-9), name


def test_text_tags_are_summarised_in_sql_as_their_points(tags: Any, feed: Any) -> None:
    """A text tag's buckets (no numbers: counts of bad samples) come from PostgreSQL as
    Summary.merge makes them of the points, corrections applied or not."""
    from historian.selectors.buckets import LEVELS, Numbering, bucket_edges, summaries

    begin = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    feed([{"tag": "L1.FEEDER1.LOT", "ts": (begin + timedelta(seconds=7 * i)).isoformat(),
           "value": f"LOT-{i // 40}", "quality": ["good", "uncertain", "bad"][i % 3]}
          for i in range(300)])  # fmt: skip
    tag = Tag.objects.get(name="L1.FEEDER1.LOT")
    start, end = begin + timedelta(seconds=13), begin + timedelta(minutes=33)
    edges = bucket_edges(start, end, timedelta(minutes=5), None)
    for include_bad in (False, True):
        spec = selectors.ReadSpec(start=start, end=end, mode="aggregate",
                                  interval=timedelta(minutes=5), aggregates=("count",),
                                  include_bad=include_bad)  # fmt: skip
        by_number, level = summaries(tag, spec, Numbering.of_edges(edges), LEVELS)
        got = [by_number.get(k, Summary()) for k in range(1, len(edges))]
        points = raw_points(tag, start, end)
        assert level is None
        assert got == summaries_from_points(points, edges, start, end, include_bad)
        assert sum(s.bad for s in got) > 80
