"""Test-suite-only superuser access to the test database.

Tamper tests and the reset of append-only tables use it. Production code has
no such path: the app never holds superuser credentials.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg
from django.db import connection


def superuser_url(dbname: str | None = None) -> str:
    url = os.environ.get("SUPERUSER_DATABASE_URL")
    if not url:
        raise RuntimeError("SUPERUSER_DATABASE_URL is not set (written by make db-start)")
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path="/" + (dbname or connection.settings_dict["NAME"])))


def user_triggers(cur: psycopg.Cursor, tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, trigger, tgenabled) of the non-internal triggers on `tables`."""
    cur.execute(
        """SELECT c.relname, t.tgname, t.tgenabled
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
           WHERE NOT t.tgisinternal AND c.relname = ANY(%s)""",
        [list(tables)],
    )
    return list(cur.fetchall())


ENABLE = {
    "A": "ENABLE ALWAYS TRIGGER",
    "O": "ENABLE TRIGGER",
    "R": "ENABLE REPLICA TRIGGER",
    "D": "DISABLE TRIGGER",
}


@contextmanager
def superuser_cursor(dbname: str | None = None) -> Iterator[psycopg.Cursor]:
    with psycopg.connect(superuser_url(dbname), autocommit=False) as conn:
        with conn.cursor() as cur:
            yield cur
        conn.commit()


def reset_tables(tables: Sequence[str], dbname: str | None = None) -> None:
    """Empty tables, append-only ones included (their ALWAYS triggers are switched off
    for the moment of the TRUNCATE, then on again, exactly as before)."""
    if not tables:
        return
    with superuser_cursor(dbname) as cur:
        triggers = user_triggers(cur, tables)
        cur.execute("SET LOCAL session_replication_role = replica")
        for table in {t[0] for t in triggers}:
            if not _is_hypertable(cur, table):
                cur.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        for table, name, enabled in triggers:
            if not _is_hypertable(cur, table):
                cur.execute(f'ALTER TABLE "{table}" {ENABLE[enabled]} "{name}"')


def _is_hypertable(cur: psycopg.Cursor, table: str) -> bool:
    cur.execute(
        "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = %s", [table]
    )
    return cur.fetchone() is not None


def tamper(
    statements: Sequence[str] | Callable[[psycopg.Cursor], None],
    tables: Sequence[str] = (),
    dbname: str | None = None,
) -> None:
    """Run `statements` (or a function of the cursor) as the superuser with the user triggers
    of `tables` switched off (exactly the way an attacker with database access would), then
    switch them back on as they were."""
    with superuser_cursor(dbname) as cur:
        triggers = user_triggers(cur, tables)
        for table in tables:
            cur.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        if callable(statements):
            statements(cur)
        else:
            for statement in statements:
                cur.execute(statement)
        cur.connection.commit()  # deferred FK checks fire before the triggers go back on
        for table, name, enabled in triggers:
            cur.execute(f'ALTER TABLE "{table}" {ENABLE[enabled]} "{name}"')


def assert_append_only(actor: Any, table: str) -> None:
    """Changing or deleting the table's rows fails twice over: the runtime role holds no such
    privilege, and the owner meets the append-only trigger."""
    import pytest
    from django.db import DatabaseError, transaction

    from audit.context import audit_context

    statements = (f"UPDATE {table} SET id = id", f"DELETE FROM {table}")
    for role, refusal in (("ledgerline_app", "permission denied"), ("", "append-only")):
        for statement in statements:
            with (
                pytest.raises(DatabaseError, match=refusal),
                transaction.atomic(),
                audit_context(actor=actor, reason="tamper"),
                connection.cursor() as cursor,
            ):
                if role:
                    cursor.execute(f"SET LOCAL ROLE {role}")
                cursor.execute(statement)
