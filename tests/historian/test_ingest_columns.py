"""The ingest's columnar check (historian.ingest.samples.validate) against the item-by-item
check it shortcuts: on random requests mixing every kind of item — floats, ints, booleans,
text, nulls, non-finite numbers, repeats of a tag and time (also written with another offset),
and every kind of mistake — both give the same samples, the same problems and the digest of
historian.digest (the sorted canonical lines). Then a shuffled request of many tags, stored,
read back and verified."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles as R
from historian import rollups
from historian.digest import sample_line
from historian.ingest.samples import Accepted, tag_map, validate, validate_items
from tests.factories import TagFactory
from tests.historian.conftest import post
from tests.historian.test_store import verify

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def more_tags(tags: dict[str, Any], engineer: Any) -> dict[str, Any]:
    """Names that are prefixes of one another, so the digest's order by tag is tested."""
    for name in ("L1.F", "L1.F.X", "L1.F2", "L1.F-"):
        tags[name] = TagFactory(actor=engineer, name=name, equipment="L1/F")
    return tags


def stamp(rng: random.Random) -> Any:
    moment = T0 + timedelta(seconds=rng.randrange(0, 40), microseconds=rng.choice([0, 500]))
    form = rng.random()
    if form < 0.7:
        return moment.isoformat().replace("+00:00", "Z")
    if form < 0.85:  # the same instant in another offset: the same canonical time
        return moment.astimezone(timezone.get_fixed_timezone(60)).isoformat()
    return rng.choice(
        [
            "2026-03-01T08:00:00",  # no offset
            "yesterday",
            "2026-03-01T08:00:00.1234567Z",  # finer than microseconds
            (datetime.now(tz=UTC) + timedelta(hours=1)).isoformat(),  # in the future
            17,
            None,
        ]
    )


def item(rng: random.Random) -> Any:
    kind = rng.random()
    if kind < 0.02:
        return rng.choice([["not", "an", "object"], "text", 5])
    tag = rng.choice(
        ["L1.FEEDER1.MASSFLOW", "L1.F", "L1.F.X", "L1.F2", "L1.F-"] * 6
        + ["L1.PRESS.SPEED", "L1.PRESS.RUNNING", "L1.FEEDER1.LOT", "L1.FEEDER1.SETPOINT"]
        + ["L9.UNKNOWN", 42]
    )
    value = rng.choice(
        [round(rng.uniform(-5, 5), 3)] * 12
        + [3, 2**60, 1.5, True, False, "A-1", None, math.nan, math.inf, -math.inf, 0.0, -0.0]
    )
    entry: dict[str, Any] = {"tag": tag, "ts": stamp(rng), "value": value}
    if rng.random() < 0.3:
        entry["quality"] = rng.choice(["good", "uncertain", "bad", "bad", "excellent", None])
    if rng.random() < 0.02:
        del entry[rng.choice(["tag", "ts", "value"])]
    return entry


def rows(accepted: Accepted) -> dict[int, tuple[Any, ...]]:
    out = {}
    for k, index in enumerate(accepted.index):
        number = float(accepted.value_num[k]) if accepted.has_num[k] else None
        out[index] = (
            accepted.tag[k],
            int(accepted.tag_id[k]),
            int(accepted.ts_us[k]),
            accepted.ts_text[k],
            "nan" if number is not None and math.isnan(number) else number,
            accepted.value_str[k],
            accepted.canonical[k],
            accepted.quality[k],
            accepted.value_type[k],
        )
    return out


def sorted_lines_digest(accepted: Accepted) -> str:
    lines = sorted(
        sample_line(tag, ts, canonical, quality)
        for tag, ts, canonical, quality in zip(
            accepted.tag, accepted.ts_text, accepted.canonical, accepted.quality, strict=True
        )
    )
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def test_the_columnar_check_answers_as_the_item_by_item_check(more_tags: Any) -> None:
    rng = random.Random(5)
    now = timezone.now()
    shapes = {"accepted": 0, "problems": 0}
    for _ in range(300):
        size = rng.choice([1, 5, 40, 200])
        items = [item(rng) for _ in range(size)]
        if rng.random() < 0.5:  # mostly the common item: a float of a float tag
            items = [
                {"tag": "L1.F", "ts": stamp(rng), "value": rng.uniform(0, 9)} for _ in range(size)
            ] + items[: size // 4]
        tags = tag_map(items)
        accepted, problems = validate(items, tags, now)
        samples, expected_problems = validate_items(items, tags, now)
        expected = Accepted.of(samples)
        assert problems == expected_problems
        assert rows(accepted) == rows(expected)
        assert accepted.digest() == sorted_lines_digest(expected)
        shapes["accepted"] += len(accepted)
        shapes["problems"] += len(problems)
    assert shapes["accepted"] > 5_000
    assert shapes["problems"] > 1_000


def test_a_shuffled_request_of_many_tags_is_stored_read_and_verified(
    more_tags: Any, collector: Any, make_user: Any
) -> None:
    rng = random.Random(8)
    names = ["L1.F", "L1.F.X", "L1.F2", "L1.F-", "L1.FEEDER1.MASSFLOW"]
    items: list[dict[str, Any]] = [
        {"tag": name, "ts": (T0 + timedelta(seconds=s)).isoformat(), "value": float(s % 7)}
        for s in range(600)
        for name in names
    ]
    items += [
        {"tag": "L1.PRESS.SPEED", "ts": (T0 + timedelta(seconds=s)).isoformat(), "value": s}
        for s in range(0, 600, 10)
    ]
    rng.shuffle(items)
    answer = post(collector, items, key="shuffled")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["accepted"], body["duplicates"]) == (len(items), 0)
    tags = tag_map(items)
    samples, _ = validate_items(items, tags, timezone.now())
    assert body["sha256"] == sorted_lines_digest(Accepted.of(samples))
    # Half of it again with the other half of new seconds, shuffled: duplicates counted.
    again = items[: len(items) // 2] + [
        {"tag": "L1.F", "ts": (T0 + timedelta(seconds=600 + s)).isoformat(), "value": 1.0}
        for s in range(100)
    ]
    rng.shuffle(again)
    answer = post(collector, again, key="again")
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["accepted"], answer.json()["duplicates"]) == (100, len(items) // 2)
    client = APIClient()
    client.force_login(make_user(R.OPERATOR, username="rita"))
    values = client.get(
        "/api/v1/historian/tags/L1.F.X/values/",
        {"start": T0.isoformat(), "end": (T0 + timedelta(minutes=10)).isoformat()},
    ).json()["values"]
    assert [v["value"] for v in values] == [float(s % 7) for s in range(600)]
    rollups.drain_all()
    code, _ = verify()  # every batch's digest and every rollup recomputed from the rows
    assert code == 0
