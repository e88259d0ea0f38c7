"""Reads that PostgreSQL runs in parallel workers: every aggregate of the raw plot must be able
to pass its state between workers (an anonymous record cannot: `first(ts, (v, ts))` failed on
a month of data with "input of anonymous composite types is not implemented")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from audit.context import audit_context
from historian.models import IngestBatch
from historian.sql import PLOT_AGGREGATES, PLOT_ROWS
from tests.historian.reads.helpers import FORCE_PARALLEL

pytestmark = pytest.mark.django_db

BEGIN = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def day_of_samples(tags: Any, make_service_account: Any) -> int:
    """A day at 1 Hz, stored under an accepting batch, analysed."""
    account, _ = make_service_account("bulk")
    tag = int(tags["flow"].pk)
    with audit_context(actor="system:test", reason=""), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('historian_ingest_batch', 'id'))")
        batch = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO historian_ingest_permit (batch_id, tag_id) VALUES (%s, %s)", [batch, tag]
        )
        cursor.execute(
            "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id, quality) "
            "SELECT t, random(), %s, %s, (extract(epoch FROM t)::integer %% 3)::smallint "
            "FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 second') t",
            [tag, batch, BEGIN, BEGIN + timedelta(days=1, seconds=-1)],
        )
        IngestBatch.objects.create(
            id=batch,
            source="test",
            ingest_key="bulk",
            account=account,
            request_sha256="-",
            sample_count=cursor.rowcount,
            sha256="-",
            tag_ids=[tag],
            response={},
        )
        cursor.execute("ANALYZE historian_sample")
    return tag


def partial(sql: str, params: dict[str, Any]) -> list[Any]:
    """Run `sql` with parallel plans forced; it must use partial aggregation in workers."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in FORCE_PARALLEL:
            cursor.execute(statement)
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Partial" in plan, plan
        assert "Gather" in plan, plan
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def params(tag: int) -> dict[str, Any]:
    return {
        "origin": BEGIN,
        "start": BEGIN,
        "end": BEGIN + timedelta(days=1),
        "step": 86.4,
        "tag": tag,
        "include_bad": True,
    }


def test_the_harness_reaches_the_failure_of_a_record_argument(day_of_samples: int) -> None:
    """The old expression fails under these plans: the test below would have caught it."""
    with pytest.raises(Exception, match="anonymous composite"):
        partial(
            "SELECT quality, first(ts, (value_num, ts)) FROM historian_sample "
            "WHERE tag_id = %(tag)s GROUP BY quality",
            params(day_of_samples),
        )


def test_every_plot_aggregate_runs_in_parallel_workers(day_of_samples: int) -> None:
    rows = partial(
        f"SELECT r.quality, {PLOT_AGGREGATES} FROM ({PLOT_ROWS}) r "
        "CROSS JOIN (SELECT 0.5::float8 AS vmin, 0.5::float8 AS vmax) e GROUP BY r.quality",
        params(day_of_samples),
    )
    assert sorted(row[0] for row in rows) == [0, 1, 2]
    assert sum(row[1] for row in rows) == 86400
