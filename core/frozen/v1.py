"""Frozen (v1): the SQL that migrations install for append-only protection and runtime-role
privileges. Never edited: a change is a new version and a new migration.

Hand-written on purpose (DESIGN.md, "Audit mechanics"): triggers are
`ENABLE ALWAYS`, so `session_replication_role = replica` does not silence them,
and nothing a session sets can make them skip themselves.
"""

from __future__ import annotations

from django.conf import settings

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION ledgerline_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledgerline: % on % is refused: the table is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Record a correction as a new record instead.';
END
$$;
"""


def runtime_role() -> str:
    return str(getattr(settings, "RUNTIME_ROLE", "ledgerline_app"))


def for_runtime_role(statement: str) -> str:
    """Run `statement` (with {role}) only where the runtime role exists."""
    role = runtime_role()
    inner = statement.format(role=f'"{role}"').replace("'", "''")
    return (
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
        f"'{role}') THEN EXECUTE '{inner}'; END IF; END $$;"
    )


def append_only_sql(table: str, *, refuse_update: bool = True) -> list[str]:
    """Triggers that refuse UPDATE (optionally), DELETE and TRUNCATE, always."""
    ops = "UPDATE OR DELETE" if refuse_update else "DELETE"
    statements = [
        REFUSE_FUNCTION,
        f"CREATE TRIGGER {table}_append_only BEFORE {ops} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledgerline_refuse_change();",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledgerline_refuse_change();",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only;",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate;",
        for_runtime_role(
            f"REVOKE {'UPDATE, ' if refuse_update else ''}DELETE, TRUNCATE ON {table} FROM {{role}}"
        ),
    ]
    return statements


def drop_append_only_sql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
    ]
