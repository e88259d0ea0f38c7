"""What the runtime role can and cannot do to the sample store: every read works as it, no
TimescaleDB function beyond the read-only allow-list runs for it or for PUBLIC, samples reach
the hypertable only through an ingest batch that accepted them, and rollups have one writer
that recomputes them from the raw rows. historian_verify counts every sample and recomputes
the rollups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts import roles as R
from core.dbsql import TIMESCALEDB_FUNCTIONS_SQL, TIMESCALEDB_RUNTIME_FUNCTIONS
from tests.dbadmin import superuser_cursor
from tests.historian.conftest import post

FLOW = "L1.FEEDER1.MASSFLOW"
ROOT = Path(__file__).resolve().parents[2]


def verify(*args: str) -> tuple[int, list[str], str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("historian_verify", "--quiet", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue().splitlines(), err.getvalue()
    return 0, out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def as_runtime_role(db: None) -> Iterator[None]:
    """The test's own connection acts as the runtime role (rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE ledgerline_app")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "ledgerline_app"
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE ledgerline_owner")


@pytest.mark.django_db
def test_every_historian_read_works_as_the_runtime_role(
    tags: Any, collector: APIClient, make_user: Any, as_runtime_role: None
) -> None:
    samples = [
        {"tag": FLOW, "ts": f"2026-03-01T08:{m:02d}:{s:02d}Z", "value": float(m + s / 60)}
        for m in range(5)
        for s in range(0, 60, 10)
    ]
    assert post(collector, samples).status_code == 201
    reader = APIClient()
    reader.force_login(make_user(R.OPERATOR, username="reader-rt"))
    window = {"start": "2026-03-01T08:00:00Z", "end": "2026-03-01T08:05:00Z"}
    for params in (
        {"mode": "raw"},
        {"mode": "interpolated", "interval": "30s"},
        {"mode": "aggregate", "interval": "1m", "aggregates": "twa,avg,min,max,count,stddev"},
        {"mode": "plot", "points": "20"},
        {"mode": "plot", "points": "20", "include_bad": "true"},
        {"mode": "raw", "corrections": "apply"},
    ):
        response = reader.get(f"/api/v1/historian/tags/{FLOW}/values/", {**window, **params})
        assert response.status_code == 200, (params, response.content)
    for url in (
        "/api/v1/historian/tags/",
        f"/api/v1/historian/tags/{FLOW}/",
        f"/api/v1/historian/tags/{FLOW}/current/",
        f"/api/v1/historian/tags/{FLOW}/annotations/",
        f"/api/v1/historian/tags/{FLOW}/corrections/",
    ):
        assert reader.get(url).status_code == 200, url
    with connection.cursor() as cursor:
        for view in ("hypertables", "chunks", "dimensions", "jobs"):
            cursor.execute(f"SELECT count(*) FROM timescaledb_information.{view}")
        cursor.execute("SELECT first(value_num, ts), last(value_num, ts) FROM historian_sample")
        assert cursor.fetchone() == (0.0, 4 + 50 / 60)


def test_database_sql_and_the_code_name_the_same_allow_list() -> None:
    text = (ROOT / "deploy/sql/database.sql").read_text()
    block = text.split("-- ALLOW-LIST BEGIN")[1].split("-- ALLOW-LIST END")[0]
    assert set(re.findall(r"'([\w.]+)'", block)) == TIMESCALEDB_RUNTIME_FUNCTIONS


@pytest.mark.django_db
def test_the_runtime_role_executes_only_the_allow_listed_timescaledb_functions() -> None:
    with superuser_cursor() as cur:
        cur.execute(TIMESCALEDB_FUNCTIONS_SQL, ["ledgerline_app"])
        rows = cur.fetchall()
    assert len(rows) > 150  # every function of the extension, all schemas
    runtime = {name for name, _, may, _ in rows if may}
    assert runtime == TIMESCALEDB_RUNTIME_FUNCTIONS
    assert [signature for _, signature, _, public in rows if public] == []


@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_cannot_drop_a_chunk(tags: Any, collector: APIClient) -> None:
    """The attack: SELECT _timescaledb_functions.drop_chunk(c) FROM show_chunks(…)."""
    post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}])
    for statement in (
        "SELECT _timescaledb_functions.drop_chunk(c) FROM show_chunks('historian_sample') c",
        "SELECT _timescaledb_functions.freeze_chunk(c) FROM show_chunks('historian_sample') c",
        "SELECT drop_chunks('historian_sample', older_than => now())",
        "SELECT move_chunk(c, 'pg_default', 'pg_default') FROM show_chunks('historian_sample') c",
    ):
        with superuser_cursor() as cur:
            cur.execute("SET ROLE ledgerline_app")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute(statement)
            cur.connection.rollback()
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        # a batch that does not exist
        "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id) "
        "VALUES ('2026-03-01T09:00:00Z', 5, {tag}, 999)",
        # a real batch's id, for a tag that batch never had
        "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id) "
        "VALUES ('2026-03-01T09:00:00Z', 5, {other}, {batch})",
        # a real batch's id and tag, in a later transaction
        "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id) "
        "VALUES ('2026-03-01T09:00:00Z', 5, {tag}, {batch})",
        # a permit of its own for an old batch
        "INSERT INTO historian_ingest_permit (batch_id, tag_id) VALUES ({batch}, {other}); "
        "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id) "
        "VALUES ('2026-03-01T09:00:00Z', 5, {other}, {batch})",
    ],
)
def test_the_runtime_role_cannot_store_samples_outside_an_accepting_batch(
    tags: Any, collector: APIClient, statement: str
) -> None:
    batch = post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}]).json()
    sql = statement.format(tag=tags["flow"].pk, other=tags["setpoint"].pk, batch=batch["ingest_id"])
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            for part in sql.split("; "):
                cur.execute(part)
            cur.connection.commit()  # the permit's own check waits for the commit
        cur.connection.rollback()
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_cannot_write_a_chunk_directly(tags: Any, collector: APIClient) -> None:
    post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}])
    with superuser_cursor() as cur:
        cur.execute(
            "SELECT chunk_schema || '.' || chunk_name FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'historian_sample'"
        )
        (chunk,) = cur.fetchone()
        cur.execute("SET ROLE ledgerline_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            cur.execute(
                f"INSERT INTO {chunk} (ts, value_num, tag_id, batch_id) "
                f"VALUES ('2026-03-01T08:00:05Z', 5, {tags['flow'].pk}, 999)"
            )
        cur.connection.rollback()


@pytest.mark.django_db(transaction=True)
def test_samples_written_around_the_ingest_service_are_counted(
    tags: Any, collector: APIClient
) -> None:
    """As a superuser (replica mode silences the hypertable's triggers): the verifier counts
    every sample, not only those inside its batches' ranges."""
    batch = post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}]).json()
    with superuser_cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            "INSERT INTO historian_sample (ts, value_num, tag_id, batch_id) VALUES "
            f"('2026-03-02T08:00:00Z', 5, {tags['flow'].pk}, {batch['ingest_id']}), "
            f"('2026-03-02T08:00:00Z', 5, {tags['setpoint'].pk}, 999)"
        )
    code, lines, err = verify("--rollups", "none")
    assert code == 1
    assert lines[0] == (
        f"FAIL ingest {batch['ingest_id']}: 2 stored samples name this batch, which accepted 1 "
        "(written around the ingest service)"
    )
    assert "FAIL ingest 999: 1 stored sample(s) name this batch, which does not exist" in err


@pytest.mark.django_db(transaction=True)
def test_rollups_have_one_writer_and_a_forged_rollup_is_found(
    tags: Any, collector: APIClient, make_user: Any
) -> None:
    post(
        collector,
        [{"tag": FLOW, "ts": f"2026-03-01T08:00:{s:02d}Z", "value": float(s)} for s in range(60)],
    )
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cur.execute("UPDATE historian_rollup SET max = 500, min = -500")
        cur.connection.rollback()
    # The minute is owed to the rollups: the verifier does not compare it yet.
    code, lines, _ = verify()
    assert code == 0, lines
    assert lines[1].startswith("rollups: 0 of 0 minute and 0 of 0 hour buckets recomputed")
    assert "1 minutes stored since the rollup drain last ran are owed" in lines[1]
    with superuser_cursor() as cur:
        # The runtime role cannot forget an owed minute, nor owe one that was not stored.
        for statement in (
            "DELETE FROM historian_rollup_pending",
            "INSERT INTO historian_rollup_pending (tag_id, bucket) VALUES (1, now())",
            "UPDATE historian_rollup_pending SET bucket = now()",
        ):
            cur.execute("SET ROLE ledgerline_app")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute(statement)
            cur.connection.rollback()
        cur.execute("SET ROLE ledgerline_app")
        # The drain runs the one writer, which only ever recomputes from the raw rows.
        cur.execute(
            "SELECT historian_refresh_rollups(ARRAY[%s], "
            "ARRAY['2026-03-01T08:00:00Z'::timestamptz])",
            [tags["flow"].pk],
        )
        cur.execute("SELECT historian_drain_rollups(100)")
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM historian_rollup_pending")
        assert cur.fetchone()[0] == 0
    code, lines, _ = verify()
    assert code == 0, lines
    assert lines[1].startswith("rollups: 1 of 1 minute and 1 of 1 hour buckets recomputed")
    with superuser_cursor() as cur:
        cur.execute("UPDATE historian_rollup SET max = 500, min = -500")
    code, lines, _ = verify("--rollups", "full")
    assert code == 1
    assert lines[0].startswith(f"FAIL rollup {FLOW} minute 2026-03-01T08:00Z: stored min -500.0")
    # The hour, recomputed from the stored minutes, no longer agrees with them either.
    code, lines, err = verify()
    assert code == 1
    assert f"FAIL rollup {FLOW} hour 2026-03-01T08:00Z" in err + "\n".join(lines)


@pytest.mark.django_db
def test_the_verifier_recomputes_rollups_as_the_installed_writer_does() -> None:
    """historian_verify's recomputation (historian/sql/rollups.py, run time) and the writer the
    migrations installed (historian/frozen/v1.py, v4.py) are the same SQL: a change to one is
    a new frozen version, a migration, and this test."""
    from historian import sql
    from historian.frozen import v1, v4

    assert sql.MINUTE_ROLLUPS == v1.MINUTE_ROLLUPS
    assert sql.HOUR_ROLLUPS == v1.HOUR_ROLLUPS
    assert sql.ROLLUP_COLUMNS == v1.ROLLUP_COLUMNS
    assert sql.MINUTE_ROLLUPS_ALL == v4.MINUTE_ROLLUPS_ALL != sql.MINUTE_ROLLUPS
    assert sql.MINUTES_ALL == v4.MINUTES_ALL
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'historian_refresh_rollups'")
        installed = cursor.fetchone()[0]
    assert installed == v4.REFRESH_FUNCTION.split("$fn$")[1]
