"""Rollups with the bad samples (historian/frozen/v4.py): the one writer keeps, for each minute
and hour holding a bad sample, its summary with the bad samples' values counted in; nobody
else may write them; historian_verify recomputes them and finds a forged, missing or stray
one; minutes drained before they existed are owed again and come back."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from rest_framework.test import APIClient

from historian import rollups, selectors
from historian.api.values import parse_params, values_json
from historian.frozen import v4
from tests.dbadmin import superuser_cursor
from tests.historian.conftest import post
from tests.historian.test_runtime_role import FLOW, verify

BAD_AT = {"2026-03-01T08:00:20Z": 500.0, "2026-03-01T08:00:21Z": -7.0, "2026-03-01T08:00:40Z": 9.0}


def _store(collector: APIClient) -> None:
    """Minute 08:00 with three bad samples among good ones, minute 08:01 without any."""
    items = []
    for minute in (0, 1):
        for second in range(0, 60, 1):
            ts = f"2026-03-01T08:{minute:02d}:{second:02d}Z"
            value, quality = (BAD_AT[ts], "bad") if ts in BAD_AT else (float(second), "good")
            items.append({"tag": FLOW, "ts": ts, "value": value, "quality": quality})
    post(collector, items)


def _rows(table: str) -> list[tuple[Any, ...]]:
    with superuser_cursor() as cur:
        cur.execute(f"SELECT bucket, n, min, max, bad_count FROM {table} ORDER BY bucket")
        return [(b.isoformat(), n, low, high, bad) for b, n, low, high, bad in cur.fetchall()]


def _spec(include_bad: bool) -> Any:
    return parse_params({
        "start": "2026-03-01T08:00:00Z", "end": "2026-03-01T09:00:00Z", "mode": "aggregate",
        "interval": "1h", "aggregates": "avg,min,max,twa,count",
        "include_bad": "true" if include_bad else "false",
    })  # fmt: skip


def _read(tags: Any, include_bad: bool) -> dict[str, Any]:
    spec = _spec(include_bad)
    answer = values_json(tags["flow"], spec, selectors.read(tags["flow"], spec))
    assert answer.pop("source") == "rollups:hour"
    return answer


def _raw_read(tags: Any, include_bad: bool) -> dict[str, Any]:
    spec = _spec(include_bad)
    with selectors.rollups_disabled():
        answer = values_json(tags["flow"], spec, selectors.read(tags["flow"], spec))
    assert answer.pop("source") == "raw"
    return answer


@pytest.mark.django_db(transaction=True)
def test_the_writer_keeps_the_summaries_with_bad_samples(tags: Any, collector: APIClient) -> None:
    _store(collector)
    assert _rows("historian_rollup_all") == []  # owed: reads recompute the minutes
    assert _read(tags, True) == _raw_read(tags, True)
    rollups.drain_all()
    minute = ("2026-03-01T08:00:00+00:00", 60, -7.0, 500.0, 3)
    assert _rows("historian_rollup_all") == [minute]  # 08:01 holds no bad sample: no row
    # The hour, from the minute with bad samples and the plain one.
    assert _rows("historian_rollup_hour_all") == [(minute[0], 120, -7.0, 500.0, 3)]
    with superuser_cursor() as cur:
        cur.execute("SELECT n, min, max FROM historian_rollup_hour")
        assert cur.fetchone() == (117, 0.0, 59.0)  # the plain hour leaves bad samples out
    assert _read(tags, True) == _raw_read(tags, True)
    assert _read(tags, False) == _raw_read(tags, False)
    assert _read(tags, True) != _read(tags, False)
    # A late bad sample in the minute without any: owed, recomputed, then given its row.
    post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:01:00.500Z", "value": 1e6,
                      "quality": "bad"}], key="late")  # fmt: skip
    assert _read(tags, True) == _raw_read(tags, True)
    rollups.drain_all()
    assert [row[0] for row in _rows("historian_rollup_all")] == [
        "2026-03-01T08:00:00+00:00",
        "2026-03-01T08:01:00+00:00",
    ]
    assert _rows("historian_rollup_hour_all")[0][3] == 1e6
    assert _read(tags, True) == _raw_read(tags, True)
    code, lines, _ = verify("--rollups", "full")
    assert code == 0, lines


@pytest.mark.django_db(transaction=True)
def test_only_the_writer_writes_them_and_the_verifier_finds_a_forgery(
    tags: Any, collector: APIClient
) -> None:
    _store(collector)
    rollups.drain_all()
    with superuser_cursor() as cur:
        for statement in (
            "UPDATE historian_rollup_all SET max = 1",
            "DELETE FROM historian_rollup_hour_all",
            "INSERT INTO historian_rollup_all SELECT * FROM historian_rollup",
            "TRUNCATE historian_rollup_all",
        ):
            cur.execute("SET ROLE ledgerline_app")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute(statement)
            cur.connection.rollback()
    code, lines, _ = verify("--rollups", "full")
    assert code == 0, lines
    assert "with those holding bad samples also summarised with their values" in lines[1]
    cases = (
        ("UPDATE historian_rollup_all SET max = 12",
         f"FAIL rollup {FLOW} minute with bad samples 2026-03-01T08:00Z: stored max 12.0"),
        ("DELETE FROM historian_rollup_hour_all",
         f"FAIL rollup {FLOW} hour with bad samples 2026-03-01T08:00Z: missing: the bucket "
         "holds bad samples"),
        ("INSERT INTO historian_rollup_all SELECT * FROM historian_rollup "
         "WHERE bucket = '2026-03-01T08:01:00Z'",
         f"FAIL rollup {FLOW} minute with bad samples 2026-03-01T08:01Z: stored, but no bad "
         "sample lies in this bucket"),
    )  # fmt: skip
    for forgery, found in cases:
        with superuser_cursor() as cur:
            cur.execute(forgery)
        code, lines, err = verify("--rollups", "full")
        assert code == 1
        assert found in err + "\n".join(lines)
        with superuser_cursor() as cur:  # the writer puts it right
            cur.execute(
                "SELECT historian_refresh_rollups(ARRAY[%s, %s], "
                "ARRAY['2026-03-01T08:00:00Z', '2026-03-01T08:01:00Z']::timestamptz[])",
                [tags["flow"].pk, tags["flow"].pk],
            )
        assert verify("--rollups", "full")[0] == 0


@pytest.mark.django_db(transaction=True)
def test_minutes_drained_before_the_migration_are_owed_again(
    tags: Any, collector: APIClient
) -> None:
    _store(collector)
    rollups.drain_all()
    with superuser_cursor() as cur:  # as the rollups stood before migration 0012
        cur.execute("DELETE FROM historian_rollup_all; DELETE FROM historian_rollup_hour_all")
        cur.execute(v4.OWE_BAD_MINUTES)
        cur.execute("SELECT bucket FROM historian_rollup_pending")
        assert [row[0].isoformat() for row in cur.fetchall()] == ["2026-03-01T08:00:00+00:00"]
    assert _read(tags, True) == _raw_read(tags, True)  # the owed minute is recomputed
    assert rollups.drain_all() == 1
    assert len(_rows("historian_rollup_all")) == len(_rows("historian_rollup_hour_all")) == 1
    assert verify("--rollups", "full")[0] == 0
