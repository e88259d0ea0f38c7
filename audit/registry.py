"""The audited tables as the code declares them, and the catalogue recorded in the chain.

Each installed app declares its audited tables in `<app>/audited.py`
(`AUDITED_TABLES`, a list of `audit.catalogue.AuditedTable`), and may report
checked states there (`current_states()`, e.g. which accounts are locked).
After every `migrate` (and after the test suite's flush, which restarts the
chain), `record_catalogue` puts the declarations, the triggers that carry
them and the digests of the schema's function bodies into the chain when
they changed. The verifiers compare the database with that record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.db import connection, transaction

from audit.canonical import canonical_json
from audit.catalogue import CATALOGUE_TABLE, AuditedTable, declaration_problems
from audit.models import AuditAction
from core.modules import app_modules

logger = logging.getLogger("ledgerline.audit")

StateProvider = Callable[[], Iterable[tuple[str, str, Any]]]


def _audited_modules() -> list[Any]:
    return app_modules("audited")


@cache
def declared_tables() -> dict[str, AuditedTable]:
    """Every audited table the installed apps declare, by name."""
    tables: dict[str, AuditedTable] = {}
    for module in _audited_modules():
        for table in getattr(module, "AUDITED_TABLES", ()):
            if table.table in tables:
                raise ValueError(f"{table.table} is declared audited twice")
            tables[table.table] = table
    return tables


def state_providers() -> list[StateProvider]:
    return [
        module.current_states
        for module in _audited_modules()
        if callable(getattr(module, "current_states", None))
    ]


def current_states() -> list[tuple[str, str, Any]]:
    """(state, subject, value) of every checked state, e.g. ("account_lock", "alice", True)."""
    return [item for provider in state_providers() for item in provider()]


_TRIGGERS_SQL = """
    SELECT c.relname, t.tgname, p.proname, t.tgtype, t.tgenabled::text,
           encode(t.tgargs, 'escape')
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND c.relname = ANY(%s)
    ORDER BY c.relname, t.tgname
"""
_TABLES_SQL = """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)
"""
# A hypertable's chunks are its children (pg_inherits): no TimescaleDB function needed.
_CHUNK_TRIGGERS_SQL = """
    SELECT parent.relname, cn.nspname || '.' || chunk.relname, t.tgname, t.tgenabled::text
    FROM pg_inherits i
    JOIN pg_class parent ON parent.oid = i.inhparent
    JOIN pg_namespace pn ON pn.oid = parent.relnamespace
    JOIN pg_class chunk ON chunk.oid = i.inhrelid
    JOIN pg_namespace cn ON cn.oid = chunk.relnamespace
    LEFT JOIN pg_trigger t ON t.tgrelid = chunk.oid AND NOT t.tgisinternal
    WHERE pn.nspname = current_schema() AND parent.relname = ANY(%s)
    ORDER BY 1, 2, 3
"""
# Every function of the application's schema that no extension owns, by signature.
_FUNCTIONS_SQL = """
    SELECT p.oid::regprocedure::text,
           encode(sha256(convert_to(pg_get_functiondef(p.oid), 'UTF8')), 'hex')
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'e')
    ORDER BY 1
"""


def database_state(tables: Iterable[str] | None = None) -> dict[str, Any]:
    """The triggers of the declared tables, their hypertables' chunks and the function digests,
    as the catalogue and the verifiers compare them."""
    declared = declared_tables()
    names = sorted(tables if tables is not None else declared)
    hypertables = sorted(n for n in names if n in declared and declared[n].hypertable)
    with connection.cursor() as cursor:
        cursor.execute(_TABLES_SQL, [names])
        triggers: dict[str, list[list[Any]]] = {row[0]: [] for row in cursor.fetchall()}
        cursor.execute(_TRIGGERS_SQL, [names])
        for table, name, function, tgtype, enabled, args in cursor.fetchall():
            triggers[table].append([name, function, tgtype, enabled, args])
        cursor.execute(_CHUNK_TRIGGERS_SQL, [hypertables])
        chunks: dict[str, dict[str, list[list[str]]]] = {}
        for parent, chunk, name, enabled in cursor.fetchall():
            found = chunks.setdefault(parent, {}).setdefault(chunk, [])
            if name is not None:
                found.append([name, enabled])
        cursor.execute(_FUNCTIONS_SQL)
        functions = dict(cursor.fetchall())
    return {"triggers": triggers, "chunks": chunks, "functions": functions}


def current_catalogue() -> dict[str, Any]:
    """What a catalogue event records: declarations, their triggers, function digests."""
    state = database_state()
    return {
        "tables": {name: table.as_dict() for name, table in sorted(declared_tables().items())},
        "triggers": state["triggers"],
        "functions": state["functions"],
    }


def last_recorded_catalogue() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes::text FROM audit_event WHERE action = %s AND seq IS NOT NULL "
            "ORDER BY seq DESC LIMIT 1",
            [AuditAction.CATALOGUE],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    from audit.canonical import parse_json

    recorded: dict[str, Any] = parse_json(row[0])
    return recorded


def record_catalogue(*, actor: str = "system:migration", reason: str) -> bool:
    """Record the catalogue in the chain when it differs from the last one recorded.

    Returns whether an event was written. When the database lacks what the
    declarations say (a migration not yet applied), nothing is recorded and
    the problems are logged: the verifiers keep checking against the last
    catalogue recorded.
    """
    from audit.context import audit_context
    from audit.events import append_event

    with transaction.atomic():
        catalogue = current_catalogue()
        problems = declaration_problems(catalogue["tables"], catalogue["triggers"])
        if problems:
            logger.warning(
                "audit catalogue not recorded: the database lacks what the code declares: %s",
                "; ".join(problems),
            )
            return False
        last = last_recorded_catalogue()
        if last is not None and canonical_json(last) == canonical_json(catalogue):
            return False
        with audit_context(actor=actor, reason=reason):
            append_event(
                actor=actor,
                action=AuditAction.CATALOGUE,
                table=CATALOGUE_TABLE,
                pk="",
                changes=catalogue,
                reason=reason,
            )
    return True
