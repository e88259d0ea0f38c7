"""Reads by mode: raw (truncated, with next_start), interpolated at a sample, aggregates (twa,
a day across a DST change), plots (each raw extreme, intervals of only bad samples); bad
parameters answered 400."""

from __future__ import annotations

import random
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import roles as R
from historian import selectors
from tests.conftest import PASSWORD
from tests.historian.reads.helpers import (
    FLOW,
    SETPOINT,
    values,
)

pytestmark = pytest.mark.django_db


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
