"""Security events enter one gapless, hash-chained stream; the chain table is append-only."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from accounts import roles as R
from audit.canonical import GENESIS_HASH, event_hash
from audit.models import AuditEvent
from tests.dbadmin import superuser_cursor


@pytest.mark.django_db
def test_events_are_numbered_and_chained(make_user: Any) -> None:
    make_user(R.OPERATOR)
    make_user(R.AUDITOR)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    prev = GENESIS_HASH
    for event in events:
        assert event.prev_hash == prev
        assert event.hash == event_hash(event.as_chain_dict())
        prev = event.hash


@pytest.mark.django_db
def test_an_event_cannot_be_changed_or_deleted(make_user: Any) -> None:
    make_user(R.OPERATOR)
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_even_the_owner_cannot_truncate_the_chain(make_user: Any) -> None:
    make_user(R.OPERATOR)
    with superuser_cursor() as cur:
        cur.execute("SET ROLE ledgerline_owner")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            cur.execute("TRUNCATE audit_event")
        cur.connection.rollback()
        cur.execute("SET session_replication_role = replica")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            cur.execute("DELETE FROM audit_event")
        cur.connection.rollback()
    assert AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_triggers_hold_under_replica_mode() -> None:
    with superuser_cursor() as cur:
        cur.execute(
            """SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE c.relname IN ('audit_event', 'accounts_user') AND NOT t.tgisinternal"""
        )
        triggers = dict(cur.fetchall())
    assert triggers, "no triggers installed"
    assert set(triggers.values()) == {"A"}, triggers


@pytest.mark.django_db(transaction=True)
def test_runtime_role_is_refused_update_delete_truncate(make_user: Any) -> None:
    make_user(R.OPERATOR)
    statements = ["UPDATE audit_event SET reason = 'x'", "DELETE FROM accounts_user"]
    for table in (
        "audit_event",
        "audit_signature",
        "audit_checkpoint",
        "audit_signing_key",
        "accounts_user_history",
    ):
        statements += [f"DELETE FROM {table}", f"TRUNCATE {table}"]
        if table != "audit_event":  # events: only the seal columns, checked by trigger
            column = "key_id" if table == "audit_signing_key" else "id"
            statements.append(f"UPDATE {table} SET {column} = {column}")
    for statement in statements:
        with superuser_cursor() as cur:
            cur.execute("SET ROLE ledgerline_app")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cur.execute(statement)
            cur.connection.rollback()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_cannot_commit_an_unsealed_event() -> None:
    with (
        pytest.raises(Exception, match="not sealed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            """INSERT INTO audit_event (txid, actor_username, action, table_name, record_pk,
                                        changes, reason, request_id)
               VALUES (txid_current(), 'intruder', 'security', 'x', '', '{}', '', '')"""
        )
    assert not AuditEvent.objects.filter(actor_username="intruder").exists()
