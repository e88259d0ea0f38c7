"""The database itself keeps the chain: the runtime role cannot insert sealed events or write
the seal columns, and any seal (even the owner's) must be the next link, made under the chain
lock. Capture does not depend on the session's time zone or float formatting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from accounts import roles as R
from audit.chain import CHAIN_LOCK_KEY, chain_head
from audit.context import audit_context
from audit.models import AuditEvent
from historian.services import tag_create
from tests.audit.helpers import verify_both
from tests.dbadmin import superuser_cursor

pytestmark = pytest.mark.django_db(transaction=True)

EVENT = (
    "INSERT INTO audit_event (actor_username, action, table_name, record_pk, changes, reason, "
    "request_id) VALUES ('system:attacker', 'security', 'security', 'x', '{}', '', '')"
)


def as_runtime_role(cur: psycopg.Cursor) -> None:
    cur.execute("SET ROLE ledgerline_app")


def own_unsealed_event(cur: psycopg.Cursor, *, locked: bool = True) -> int:
    """As the runtime role: insert an unsealed event (allowed) and, if `locked`, take the
    chain lock, as the sealer does; returns the event's id."""
    as_runtime_role(cur)
    cur.execute(EVENT + " RETURNING id")
    event_id = int(cur.fetchone()[0])
    if locked:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    return event_id


def test_the_runtime_role_cannot_insert_a_sealed_event(make_user: Any) -> None:
    make_user(R.OPERATOR)
    with superuser_cursor() as cur:
        as_runtime_role(cur)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            cur.execute(
                "INSERT INTO audit_event (seq, prev_hash, hash, actor_username, action, "
                "table_name, record_pk, changes, reason, request_id) VALUES (1000000, "
                f"'{'0' * 64}', '{'1' * 64}', 'x', 'security', 'security', '', '{{}}', '', '')"
            )
        cur.connection.rollback()
    # Not even the owner inserts seal values: events are born unsealed.
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_owner")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="inserted unsealed"):
            cur.execute(
                "INSERT INTO audit_event (seq, txid, actor_username, action, table_name, "
                "record_pk, changes, reason, request_id) VALUES (1000000, 1, 'x', 'security', "
                "'security', '', '{}', '', '')"
            )
        cur.connection.rollback()
    assert not AuditEvent.objects.filter(seq=1000000).exists()


def test_the_runtime_role_cannot_write_the_seal_columns(make_user: Any) -> None:
    make_user(R.OPERATOR)
    with superuser_cursor() as cur:
        event_id = own_unsealed_event(cur, locked=False)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            cur.execute(
                f"UPDATE audit_event SET seq = 1000000, prev_hash = 'x', hash = 'y' "
                f"WHERE id = {event_id}"
            )
        cur.connection.rollback()


@pytest.mark.parametrize("offset", [0, 2, 1000000])
def test_a_seal_is_only_ever_the_next_link(make_user: Any, offset: int) -> None:
    """Sealing its own event with any seq but head + 1 is refused, under the lock or not."""
    make_user(R.OPERATOR)
    head_seq, head_hash = chain_head()
    with superuser_cursor() as cur:
        event_id = own_unsealed_event(cur)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="continues the chain"):
            cur.execute(
                "SELECT audit_seal_finish(%s, %s, %s, %s)",
                [[event_id], [head_seq + offset], [head_hash], ["f" * 64]],
            )
        cur.connection.rollback()


def test_a_seal_with_a_wrong_prev_hash_is_refused(make_user: Any) -> None:
    make_user(R.OPERATOR)
    head_seq, _ = chain_head()
    with superuser_cursor() as cur:
        event_id = own_unsealed_event(cur)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="continues the chain"):
            cur.execute(
                "SELECT audit_seal_finish(%s, %s, %s, %s)",
                [[event_id], [head_seq + 1], ["e" * 64], ["f" * 64]],
            )
        cur.connection.rollback()


def test_a_seal_without_the_chain_lock_is_refused(make_user: Any) -> None:
    make_user(R.OPERATOR)
    head_seq, head_hash = chain_head()
    with superuser_cursor() as cur:
        event_id = own_unsealed_event(cur, locked=False)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="under the chain lock"):
            cur.execute(
                "SELECT audit_seal_finish(%s, %s, %s, %s)",
                [[event_id], [head_seq + 1], [head_hash], ["f" * 64]],
            )
        cur.connection.rollback()


def test_a_temporary_table_cannot_stand_in_for_the_chain_head(make_user: Any) -> None:
    """A session's temporary `audit_event` or `pg_locks` would be found first by a function
    without a pinned search_path."""
    make_user(R.OPERATOR)
    with superuser_cursor() as cur:
        event_id = own_unsealed_event(cur, locked=False)
        cur.execute("CREATE TEMP TABLE audit_event (seq bigint, hash text)")
        cur.execute(f"INSERT INTO pg_temp.audit_event VALUES (999999, '{'a' * 64}')")
        cur.execute(
            "CREATE TEMP TABLE pg_locks AS SELECT 'advisory'::text AS locktype, "
            "pg_backend_pid() AS pid, true AS granted, 1279607879::oid AS classid, "
            "1163021390::oid AS objid, 1::smallint AS objsubid"
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cur.execute(
                "SELECT audit_seal_finish(%s, %s, %s, %s)",
                [[event_id], [1000000], ["a" * 64], ["f" * 64]],
            )
        cur.connection.rollback()
    assert not AuditEvent.objects.filter(seq=1000000).exists()


def test_event_time_and_transaction_are_the_servers(make_user: Any) -> None:
    make_user(R.OPERATOR)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_event (txid, occurred_at, actor_username, action, table_name, "
            "record_pk, changes, reason, request_id) VALUES (42, '2001-01-01T00:00:00Z', "
            "'system:test', 'security', 'security', '', '{}', '', '') RETURNING txid, occurred_at,"
            " txid_current(), now()"
        )
        txid, occurred_at, current, now = cursor.fetchone()
        cursor.execute("SELECT audit_seal_begin(%s)", [CHAIN_LOCK_KEY])  # sealed by the caller
        transaction.set_rollback(True)
    assert txid == current
    assert occurred_at >= now


def test_a_session_in_another_time_zone_and_float_format_captures_what_verifies(
    make_user: Any, tmp_path: Path
) -> None:
    """to_jsonb writes timestamps in the session's zone and floats with its digits: capture
    pins both, so the state check does not see a false edit."""
    engineer = make_user(R.PROCESS_ENGINEER)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL TimeZone = 'Asia/Kolkata'")
            cursor.execute("SET LOCAL extra_float_digits = -5")
        tag = tag_create(
            actor=engineer,
            name="L9.TZ.PROBE",
            equipment="L9/TZ",
            unit="kg/h",
            range_low=1 / 3,
            range_high=2 / 3,
        )
    event = AuditEvent.objects.filter(table_name="historian_tag", record_pk=str(tag.pk)).get()
    assert event.changes["range_low"][1] == 1 / 3
    assert str(event.changes["created_at"][1]).endswith("+00:00")
    (code, line), (s_code, s_line) = verify_both(tmp_path)
    assert (code, s_code) == (0, 0), (line, s_line)


def test_audit_context_writes_are_sealed_in_the_database_order(make_user: Any) -> None:
    """Many events in one transaction are sealed one by one, each the next link."""
    engineer = make_user(R.PROCESS_ENGINEER)
    with audit_context(actor=engineer, reason=""):
        for i in range(25):
            tag_create(actor=engineer, name=f"L9.MANY.{i}", equipment="L9/MANY")
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
