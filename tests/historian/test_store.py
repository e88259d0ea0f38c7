"""The sample store: append-only for the runtime role, and historian_verify names a tampered
batch."""

from __future__ import annotations

from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import call_command

from tests.dbadmin import superuser_cursor
from tests.historian.conftest import post

FLOW = "L1.FEEDER1.MASSFLOW"


def verify() -> tuple[int, str]:
    """(exit code, the contract's first line)."""
    out = StringIO()
    try:
        call_command("historian_verify", "--quiet", stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue().splitlines()[0]
    return 0, out.getvalue().splitlines()[0]


@pytest.mark.django_db(transaction=True)
def test_runtime_role_cannot_update_delete_or_truncate_samples(tags: Any, collector: Any) -> None:
    post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}])
    for statement in (
        "UPDATE historian_sample SET value_num = 2",
        "DELETE FROM historian_sample",
        "TRUNCATE historian_sample",
        "SELECT drop_chunks('historian_sample', older_than => now())",
    ):
        with superuser_cursor() as cur:
            cur.execute("SET ROLE ledgerline_app")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute(statement)
            cur.connection.rollback()
    # The owner is refused by the triggers too (the hypertable's, not ENABLE ALWAYS).
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_owner")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            cur.execute("DELETE FROM historian_sample")
        cur.connection.rollback()


@pytest.mark.django_db(transaction=True)
def test_historian_verify_names_a_sample_altered_in_its_chunk(tags: Any, collector: Any) -> None:
    first = post(
        collector,
        [{"tag": FLOW, "ts": f"2026-03-01T08:00:0{i}Z", "value": float(i)} for i in range(5)],
        key="one",
    ).json()
    second = post(
        collector,
        [{"tag": FLOW, "ts": f"2026-03-01T09:00:0{i}Z", "value": float(i)} for i in range(5)],
        key="two",
    ).json()
    result = verify()
    assert result == (0, "OK 2 ingest batches 10 samples"), result[1]
    with superuser_cursor() as cur:
        cur.execute(
            "SELECT chunk_schema || '.' || chunk_name "
            "FROM timescaledb_information.chunks WHERE hypertable_name = 'historian_sample'"
        )
        (chunk,) = cur.fetchone()
        cur.execute("SET session_replication_role = replica")  # silences the hypertable's triggers
        cur.execute(
            f"UPDATE {chunk} SET value_num = 99 WHERE batch_id = %s "
            "AND ts = '2026-03-01T09:00:03Z'",
            [second["ingest_id"]],
        )
        assert cur.rowcount == 1
    code, line = verify()
    assert code == 1
    assert line.startswith(f"FAIL ingest {second['ingest_id']}: ")
    assert first["ingest_id"] < second["ingest_id"]


@pytest.mark.django_db(transaction=True)
def test_historian_verify_finds_removed_chunks(tags: Any, collector: Any) -> None:
    batch = post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}]).json()
    with superuser_cursor() as cur:
        cur.execute("SELECT drop_chunks('historian_sample', older_than => now())")
    code, line = verify()
    assert code == 1
    assert line.startswith(f"FAIL ingest {batch['ingest_id']}: 0 samples stored")


@pytest.mark.django_db(transaction=True)
def test_historian_verify_in_worker_processes_finds_what_one_process_finds(
    tags: Any, collector: Any, monkeypatch: Any
) -> None:
    """Two spawned workers, each reading its share of the batches in the parent's exported
    snapshot, give the same counts and name the same tampered batch."""
    from historian import verification

    monkeypatch.setattr(verification, "TASK_SAMPLES", 5)  # a task per batch
    made = [
        post(collector, [{"tag": FLOW, "ts": f"2026-03-0{day}T08:00:0{i}Z", "value": float(i)}
                         for i in range(5)], key=f"day-{day}").json()
        for day in range(1, 7)
    ]  # fmt: skip
    alone = verification.verify_samples(rollups="none", workers=1)
    both = verification.verify_samples(rollups="none", workers=2)
    assert alone.line() == both.line() == "OK 6 ingest batches 30 samples"
    with superuser_cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            "UPDATE historian_sample SET value_num = 99 WHERE batch_id = %s "
            "AND ts = '2026-03-04T08:00:03Z'",
            [made[3]["ingest_id"]],
        )
        assert cur.rowcount == 1
    found = verification.verify_samples(rollups="none", workers=2)
    assert found.line() == f"FAIL ingest {made[3]['ingest_id']}: the stored samples do not " \
        "match the digest in the chain"  # fmt: skip
    assert found.samples == 30


@pytest.mark.django_db(transaction=True)
def test_historian_verify_takes_a_number_of_workers(tags: Any, collector: Any) -> None:
    post(collector, [{"tag": FLOW, "ts": "2026-03-01T08:00:00Z", "value": 1.0}])
    out = StringIO()
    call_command("historian_verify", "--quiet", "--workers", "2", "--rollups", "none",
                 stdout=out, stderr=StringIO())  # fmt: skip
    assert out.getvalue().splitlines()[0] == "OK 1 ingest batches 1 samples"
    with pytest.raises(SystemExit) as refused:
        call_command("historian_verify", "--quiet", "--workers", "0", stdout=StringIO(),
                     stderr=StringIO())  # fmt: skip
    assert refused.value.code == 2
