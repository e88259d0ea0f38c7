"""Reads: raw, current, interpolated, aggregate (twa, tz, bad samples), plot; rollups give the
same answers as raw rows."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import roles as R
from historian import rollups, selectors
from historian.ingest import ingest_samples
from historian.models import Tag
from historian.selectors.buckets import summaries_from_points
from historian.selectors.rows import raw_points
from historian.selectors.summary import Summary
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

FLOW = "L1.FEEDER1.MASSFLOW"
HOUR = timedelta(hours=1)
SETPOINT = "L1.FEEDER1.SETPOINT"


# PostgreSQL picks parallel plans for long windows; an aggregate whose state cannot pass
# between workers fails only then. Every read test runs twice: as planned, and with parallel
# plans forced on the small data of the test.
FORCE_PARALLEL = (
    "SET LOCAL parallel_setup_cost = 0",
    "SET LOCAL parallel_tuple_cost = 0",
    "SET LOCAL min_parallel_table_scan_size = 0",
    "SET LOCAL min_parallel_index_scan_size = 0",
    "SET LOCAL max_parallel_workers_per_gather = 2",
)


@pytest.fixture(autouse=True, params=["planned", "parallel"])
def plans(request: pytest.FixtureRequest, db: None) -> Iterator[str]:
    """In `parallel`, parallel plans cost nothing and the tables are analysed before every
    read (the planner does not parallelise tables it believes empty)."""
    if request.param == "planned":
        yield "planned"
        return
    with connection.cursor() as cursor:
        for statement in FORCE_PARALLEL:
            cursor.execute(statement)
    busy = False

    def analyse_first(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal busy
        if not busy and "historian_" in sql and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            busy = True
            try:
                context["cursor"].execute(ANALYSE)
            finally:
                busy = False
        return execute(sql, params, many, context)

    with connection.execute_wrapper(analyse_first):
        yield "parallel"


ANALYSE = "ANALYZE historian_sample, historian_rollup, historian_rollup_hour"


@pytest.fixture
def feed(make_service_account: Any) -> Any:
    account, _ = make_service_account("feeder")
    counter = {"n": 0}

    def _feed(samples: list[dict[str, Any]]) -> None:
        counter["n"] += 1
        result = ingest_samples(
            actor=account, source="test", ingest_key=f"k{counter['n']}", items=samples
        )
        assert result.status == 201, result.body

    return _feed


@pytest.fixture
def reader(make_user: Any) -> APIClient:
    client = APIClient()
    client.force_login(make_user(R.OPERATOR, username="reader"))
    return client


def values(client: APIClient, tag: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/historian/tags/{tag}/values/", params)
    assert response.status_code == 200, response.json()
    return response.json()


IRREGULAR = [
    ("2026-03-01T07:59:50Z", 10.0, "good"),
    ("2026-03-01T08:00:10Z", 20.0, "good"),
    ("2026-03-01T08:00:40Z", 30.0, "uncertain"),
    ("2026-03-01T08:00:50Z", 1000.0, "bad"),
    ("2026-03-01T08:01:20Z", 0.0, "good"),
]


@pytest.mark.parametrize(("tag", "expected"), [(FLOW, 1375 / 60), (SETPOINT, 1300 / 60)])
def test_twa_equals_the_hand_computed_value(
    tags: Any,
    feed: Any,
    reader: APIClient,
    tag: str,
    expected: float,
) -> None:
    feed([{"tag": tag, "ts": ts, "value": v, "quality": q} for ts, v, q in IRREGULAR])
    for source, path in (("rollups:minute", nullcontext()), ("raw", selectors.rollups_disabled())):
        with path:
            body = values(
                reader,
                tag,
                start="2026-03-01T08:00:00Z",
                end="2026-03-01T08:01:00Z",
                mode="aggregate",
                interval="1m",
                aggregates="twa,avg,min,max,count,stddev",
            )
        assert body["source"] == source
        (bucket,) = body["values"]
        assert bucket["twa"] == pytest.approx(expected)
        assert bucket["count"] == 2  # the bad sample is left out …
        assert bucket["bad_count"] == 1  # … and counted
        assert bucket["uncertain_count"] == 1
        assert bucket["avg"] == pytest.approx(25.0)
        assert bucket["max"] == 30.0
        assert bucket["stddev"] == pytest.approx(7.0710678)


def test_interpolation_at_a_sample_time_returns_the_sample(
    tags: Any, feed: Any, reader: APIClient
) -> None:
    feed([{"tag": FLOW, "ts": ts, "value": v, "quality": q} for ts, v, q in IRREGULAR])
    body = values(
        reader,
        FLOW,
        start="2026-03-01T07:59:40Z",
        end="2026-03-01T08:00:41Z",
        mode="interpolated",
        interval="10s",
    )
    got = {v["ts"][11:19]: v["value"] for v in body["values"]}
    assert "07:59:40" not in got  # no value before the first sample
    assert got["07:59:50"] == 10.0  # at a sample: the sample
    assert got["08:00:00"] == pytest.approx(15.0)  # linear between neighbours
    assert got["08:00:10"] == 20.0
    assert got["08:00:40"] == 30.0  # the bad 08:00:50 is bridged over
    step = values(
        reader,
        SETPOINT,
        start="2026-03-01T08:00:00Z",
        end="2026-03-01T08:00:01Z",
        mode="interpolated",
        interval="1s",
    )
    assert step["values"] == []  # no sample of the set-point yet
    feed([{"tag": SETPOINT, "ts": ts, "value": v, "quality": q} for ts, v, q in IRREGULAR])
    step = values(
        reader,
        SETPOINT,
        start="2026-03-01T08:00:00Z",
        end="2026-03-01T08:00:01Z",
        mode="interpolated",
        interval="1s",
    )
    assert step["values"][0]["value"] == 10.0  # held, not interpolated


def test_a_day_bucket_across_a_dst_change_lasts_23_hours(
    tags: Any, feed: Any, reader: APIClient
) -> None:
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # local midnight in Zurich (UTC+1)
    feed(
        [
            {"tag": FLOW, "ts": (start + timedelta(hours=h)).isoformat(), "value": 1.0}
            for h in range(48)
        ]
    )
    body = values(
        reader,
        FLOW,
        start="2026-03-28T23:00:00Z",
        end="2026-03-30T22:00:00Z",
        mode="aggregate",
        interval="1d",
        tz="Europe/Zurich",
        aggregates="count",
    )
    buckets = [(v["ts"], v["count"]) for v in body["values"]]
    # 29 March, local: 23 hours (02:00 → 03:00 skipped); 30 March, local midnight = 22:00Z.
    assert buckets == [("2026-03-28T23:00:00.000000Z", 23), ("2026-03-29T22:00:00.000000Z", 24)]
    utc = values(
        reader,
        FLOW,
        start="2026-03-28T23:00:00Z",
        end="2026-03-30T22:00:00Z",
        mode="aggregate",
        interval="1d",
        aggregates="count",
    )
    assert [v["ts"][:10] for v in utc["values"]] == ["2026-03-28", "2026-03-29", "2026-03-30"]


def test_plot_contains_each_raw_min_and_max(tags: Any, feed: Any, reader: APIClient) -> None:
    rng = random.Random(7)
    begin = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    samples = [
        {
            "tag": FLOW,
            "ts": (begin + timedelta(seconds=s)).isoformat(),
            "value": round(rng.gauss(12, 1), 3),
        }
        for s in range(0, 4 * 3600, 3)
    ]
    samples[1234]["value"] = 99.0  # an excursion
    samples[2345]["value"] = -5.0
    feed(samples)
    raw = values(
        reader, FLOW, start="2026-03-01T06:00:00Z", end="2026-03-01T10:00:00Z", mode="raw"
    )["values"]
    for extra, source in (
        ({}, "rollups:minute"),
        ({"points": 3}, "rollups:hour"),
        ({"corrections": "apply"}, "rollups:minute"),  # no correction in the window
        ({"raw": True}, "raw"),
    ):
        path = selectors.rollups_disabled() if extra.pop("raw", False) else nullcontext()
        query = {"start": "2026-03-01T06:00:00Z", "end": "2026-03-01T10:00:00Z"}
        with path:
            plot = values(reader, FLOW, mode="plot", **{**query, "points": 100, **extra})
        assert plot["source"] == source
        assert len(plot["values"]) <= int(extra.get("points", 100))
        edges = [p["ts"] for p in plot["values"]] + ["9999"]
        for k, interval in enumerate(plot["values"]):
            inside = [r["value"] for r in raw if edges[k] <= r["ts"] < edges[k + 1]]
            assert interval["min"] == min(inside)
            assert interval["max"] == max(inside)
            assert interval["first"] == inside[0]
            assert interval["last"] == inside[-1]
            at = {r["ts"]: r["value"] for r in raw}
            assert at[interval["min_ts"]] == interval["min"]
            assert at[interval["max_ts"]] == interval["max"]
            assert at[interval["first_ts"]] == interval["first"]
        assert 99.0 in [p["max"] for p in plot["values"]]
        assert -5.0 in [p["min"] for p in plot["values"]]


def test_plot_marks_an_interval_holding_only_bad_samples(
    tags: Any, feed: Any, reader: APIClient, make_user: Any
) -> None:
    """A bad sample alone in its interval is left out of the values but not hidden: the
    interval answers count 0, null values and its bad_count, on every read path."""
    feed(
        [{"tag": FLOW, "ts": f"2026-03-01T08:0{m}:10Z", "value": float(m)} for m in (0, 1, 3)]
        + [{"tag": FLOW, "ts": "2026-03-01T08:02:30Z", "value": 1e6, "quality": "bad"}]
    )
    query = {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T08:04:00Z", "points": 4}
    for path, source in ((nullcontext(), "rollups:minute"), (selectors.rollups_disabled(), "raw")):
        with path:
            plot = values(reader, FLOW, mode="plot", **query)
        assert plot["source"] == source
        by_ts = {v["ts"][11:19]: v for v in plot["values"]}
        assert list(by_ts) == ["08:00:00", "08:01:00", "08:02:00", "08:03:00"]
        bad = by_ts["08:02:00"]
        assert (bad["count"], bad["bad_count"], bad["uncertain_count"]) == (0, 1, 0)
        assert [bad[k] for k in ("first", "first_ts", "last", "min", "max_ts")] == [None] * 5
        assert by_ts["08:03:00"]["first"] == 3.0
        assert all(v["bad_count"] == 0 for t, v in by_ts.items() if t != "08:02:00")
    # With a correction to overlay, its stretch is summarised from the corrected rows and the
    # rest from the rollups: the same rule.
    make_user(R.QA_REVIEWER, username="quinn")
    qa = APIClient()
    qa.login(username="quinn", password=PASSWORD)
    correction = {
        "start": "2026-03-01T08:00:00Z",
        "end": "2026-03-01T08:01:00Z",
        "values": [{"ts": "2026-03-01T08:00:10Z", "value": 0.5}],
        "reason": "balance drift, recalculated",
        "signature": {
            "username": "quinn",
            "password": PASSWORD,
            "meaning": "approved",
            "reason": "ok",
        },
    }
    response = qa.post(f"/api/v1/historian/tags/{FLOW}/corrections/", correction, format="json")
    assert response.status_code == 201, response.json()
    plot = values(reader, FLOW, mode="plot", corrections="apply", **query)
    assert plot["source"] == "rollups:minute"
    assert [(v["count"], v["bad_count"], v["first"]) for v in plot["values"]] == [
        (1, 0, 0.5), (1, 0, 1.0), (0, 1, None), (1, 0, 3.0)
    ]  # fmt: skip


def test_rollups_and_raw_rows_agree(tags: Any, feed: Any) -> None:
    """Whether the minutes are owed to the rollups, drained, or drained and then given late
    samples (so stored hours, stored minutes and owed minutes mix in one read), the rollup
    path answers as the raw rows do — with bad samples asked back too (rollups plus the bad
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


def test_raw_reads_truncate_with_next_start_and_current(
    tags: Any, feed: Any, reader: APIClient
) -> None:
    feed([{"tag": FLOW, "ts": f"2026-03-01T08:00:0{i}Z", "value": float(i)} for i in range(5)])
    body = values(reader, FLOW, start="2026-03-01T08:00:00Z", end="2026-03-01T09:00:00Z", limit=3)
    assert [v["value"] for v in body["values"]] == [0.0, 1.0, 2.0]
    assert body["truncated"] is True
    assert body["next_start"] == "2026-03-01T08:00:02.000001Z"
    assert body["unit"] == "kg/h"
    current = reader.get(f"/api/v1/historian/tags/{FLOW}/current/").json()
    assert current == {
        "tag": FLOW,
        "ts": "2026-03-01T08:00:04.000000Z",
        "value": 4.0,
        "quality": "good",
    }
    csv_text = reader.get(
        f"/api/v1/historian/tags/{FLOW}/values/",
        {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T09:00:00Z"},
        HTTP_ACCEPT="text/csv",
    ).content.decode()
    assert csv_text.splitlines()[0] == "tag,ts,value,quality"
    assert len(csv_text.splitlines()) == 6


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end": "2026-03-01T09:00:00Z"}, "start"),
        ({"start": "2026-03-01T08:00:00", "end": "2026-03-01T09:00:00Z"}, "start"),
        (
            {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T09:00:00Z", "mode": "aggregate"},
            "interval",
        ),
        (
            {
                "start": "2026-03-01T08:00:00Z",
                "end": "2026-03-01T09:00:00Z",
                "mode": "aggregate",
                "interval": "5x",
            },
            "interval",
        ),
        (
            {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T09:00:00Z", "tz": "Mars/Olympus"},
            "tz",
        ),
    ],
)
def test_bad_read_parameters_are_400_naming_the_field(
    tags: Any, reader: APIClient, params: dict[str, str], field: str
) -> None:
    response = reader.get(f"/api/v1/historian/tags/{FLOW}/values/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


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


INTERPOLATED_TAGS = (FLOW, SETPOINT, "L1.PRESS.RUNNING", "L1.FEEDER1.LOT")


def interpolation_items(begin: datetime) -> list[dict[str, Any]]:
    """Three hours of a number, a set-point, an on/off and a text tag at uneven times, with
    bad, non-finite and null samples of the number; nothing in the first 7 minutes."""
    rng = random.Random(5)
    items = []
    t = begin + timedelta(minutes=7)  # the first moments have no sample before them
    while t < begin + timedelta(hours=3):
        t += timedelta(seconds=rng.uniform(1, 240))
        quality = rng.choice(["good"] * 6 + ["uncertain", "bad"])
        value: Any = rng.uniform(0, 20)
        if quality == "bad" and rng.random() < 0.5:
            value = rng.choice([None, float("nan")])
        items += [
            {"tag": FLOW, "ts": t.isoformat(), "value": value, "quality": quality},
            {"tag": SETPOINT, "ts": t.isoformat(), "value": round(rng.uniform(1, 3), 1)},
            {"tag": "L1.PRESS.RUNNING", "ts": t.isoformat(), "value": rng.random() < 0.5},
            {"tag": "L1.FEEDER1.LOT", "ts": t.isoformat(), "value": rng.choice(["A", "B"])},
        ]
    return items


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
