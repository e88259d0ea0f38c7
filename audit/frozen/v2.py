"""Frozen (v2): the signed guard protects a signed record's declared signed fields only, and
every protection of an audited table is installed by one migration operation
(`audit.operations.AuditedTable`). Never edited: a change is v3 and a new migration.

Installed by audit 0010 (the functions); tables get their triggers from the operation.
"""

from __future__ import annotations

from audit.frozen.v1 import capture_sql
from core.frozen.v1 import append_only_sql

FUNCTIONS = r"""
-- A signed row may still move through its state machine: only a change of one of its
-- signed fields (the trigger's second argument; none named means the whole row), or its
-- deletion, is refused once a signature names it.
CREATE OR REPLACE FUNCTION audit_signed_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  guarded_pk text := to_jsonb(OLD) ->> TG_ARGV[0];
  fields text[] := string_to_array(nullif(TG_ARGV[1], ''), ',');
  changed text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_signature s
                 WHERE s.record_table = TG_TABLE_NAME AND s.record_pk = guarded_pk) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'DELETE' OR fields IS NULL THEN
    RAISE EXCEPTION 'ledgerline: %:% is signed and cannot be changed', TG_TABLE_NAME, guarded_pk
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Record a correction as a new version with its own signatures.';
  END IF;
  SELECT string_agg(f, ', ' ORDER BY f) INTO changed FROM unnest(fields) AS f
   WHERE (to_jsonb(OLD) -> f) IS DISTINCT FROM (to_jsonb(NEW) -> f);
  IF changed IS NOT NULL THEN
    RAISE EXCEPTION 'ledgerline: %:% is signed: its signed field(s) % cannot change',
      TG_TABLE_NAME, guarded_pk, changed
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Record a correction as a new version with its own signatures.';
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION audit_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledgerline: % rows are never deleted', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def signed_guard_sql(table: str, *, pk: str, fields: tuple[str, ...]) -> str:
    """Refuse a change of the signed fields, and deletion, of a signed row (ENABLE ALWAYS)."""
    return (
        f"DROP TRIGGER IF EXISTS {table}_signed_guard ON {table};\n"
        f"CREATE TRIGGER {table}_signed_guard BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_signed_guard('{pk}', '{','.join(fields)}');\n"
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_signed_guard;\n"
    )


def never_deleted_sql(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_never_deleted ON {table};\n"
        f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_never_deleted();\n"
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_never_deleted;\n"
    )


def table_sql(
    table: str,
    *,
    pk: str,
    capture: bool,
    ignored: tuple[str, ...],
    masked: tuple[str, ...],
    history_table: str,
    signed_fields: tuple[str, ...],
    append_only: bool,
    never_deleted: bool,
    baseline: str,
) -> list[str]:
    """Every statement that gives `table` what its declaration says, idempotent."""
    statements: list[str] = []
    if capture:
        statements.append(
            capture_sql(
                table,
                pk=pk,
                ignored=ignored,
                masked=masked,
                history_table=history_table,
                baseline=baseline,
            )
        )
    if signed_fields:
        statements.append(signed_guard_sql(table, pk=pk, fields=signed_fields))
    if append_only:
        drop = (
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n"
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n"
        )
        statements += [drop, *append_only_sql(table)]
    if never_deleted:
        statements.append(never_deleted_sql(table))
    return statements
