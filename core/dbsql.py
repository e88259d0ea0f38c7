"""SQL that migrations install: append-only protection and runtime-role privileges.

Hand-written on purpose (DESIGN.md, "Audit mechanics"): triggers are
`ENABLE ALWAYS`, so `session_replication_role = replica` does not silence them,
and nothing a session sets can make them skip themselves.
"""

from __future__ import annotations

from typing import Any

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


# The TimescaleDB functions the runtime role may execute (deploy/sql/database.sql grants
# these and revokes every other function of the extension from PUBLIC): read-only
# analytics, and what the timescaledb_information views call.
TIMESCALEDB_RUNTIME_FUNCTIONS = frozenset(
    {
        "public.first",
        "public.last",
        "public.histogram",
        "public.time_bucket",
        "public.time_bucket_gapfill",
        "public.locf",
        "public.interpolate",
        "public.show_chunks",
        "public.approximate_row_count",
        "_timescaledb_functions.to_timestamp",
        "_timescaledb_functions.to_interval",
        "_timescaledb_functions.to_unix_microseconds",
        "_timescaledb_functions.to_date",
    }
)

TIMESCALEDB_FUNCTIONS_SQL = """
    SELECT n.nspname || '.' || p.proname, p.oid::regprocedure::text,
           has_function_privilege(%s, p.oid, 'EXECUTE'),
           coalesce(p.proacl IS NULL OR EXISTS (
               SELECT 1 FROM aclexplode(p.proacl) a
               WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'), true)
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'timescaledb'
    ORDER BY 1, 2
"""


def runtime_function_grants(cursor: Any) -> dict[str, list[str]]:
    """TimescaleDB functions that PUBLIC may execute, and that the runtime role may execute
    beyond its allow-list: both lists are empty when deploy/sql/database.sql is in force."""
    cursor.execute(TIMESCALEDB_FUNCTIONS_SQL, [runtime_role()])
    public: list[str] = []
    beyond: list[str] = []
    for name, signature, runtime_may, public_may in cursor.fetchall():
        if public_may:
            public.append(signature)
        if runtime_may and name not in TIMESCALEDB_RUNTIME_FUNCTIONS:
            beyond.append(signature)
    return {"public": public, "runtime_beyond_allow_list": beyond}
