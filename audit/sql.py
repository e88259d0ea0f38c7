"""SQL of the audit capture, installed by migrations (hand-written, never generated).

`audit_capture(pk, ignored, masked, history_table)` is one AFTER row trigger
function for every audited table:
  - it reads the audit context (`ledgerline.actor`, `.actor_id`, `.reason`,
    `.request_id`) and refuses the write when the actor is missing, or the
    reason for an UPDATE or DELETE;
  - it writes one unsealed audit event per row: field → [old, new], the full
    row on insert and delete; `ignored` columns are left out (an UPDATE that
    changes only those is no event), `masked` columns are recorded as the
    SHA-256 of their value;
  - when a simple-history table is named, it writes that history row too.
`audit_row_image()` is the same row picture, used by the state check.
"""

from __future__ import annotations

CAPTURE_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_row_image(row_data jsonb, ignored text[], masked text[])
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  image jsonb := row_data - ignored;
  col text;
BEGIN
  FOREACH col IN ARRAY masked LOOP
    IF image ? col AND image -> col <> 'null'::jsonb THEN
      image := jsonb_set(image, ARRAY[col],
        to_jsonb('sha256:' || encode(sha256(convert_to(image ->> col, 'UTF8')), 'hex')));
    END IF;
  END LOOP;
  RETURN image;
END
$$;

CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  pk_col text := TG_ARGV[0];
  ignored text[] := string_to_array(nullif(TG_ARGV[1], ''), ',');
  masked text[] := string_to_array(nullif(TG_ARGV[2], ''), ',');
  history_table text := nullif(TG_ARGV[3], '');
  actor text := nullif(current_setting('ledgerline.actor', true), '');
  actor_id bigint := nullif(current_setting('ledgerline.actor_id', true), '')::bigint;
  reason text := coalesce(current_setting('ledgerline.reason', true), '');
  request_id text := coalesce(current_setting('ledgerline.request_id', true), '');
  old_image jsonb;
  new_image jsonb;
  changes jsonb := '{}'::jsonb;
  record_pk text;
  col text;
  history_row jsonb;
BEGIN
  ignored := coalesce(ignored, '{}');
  masked := coalesce(masked, '{}');
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    old_image := audit_row_image(to_jsonb(OLD), ignored, masked);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    new_image := audit_row_image(to_jsonb(NEW), ignored, masked);
  END IF;
  IF TG_OP = 'UPDATE' THEN
    FOR col IN SELECT jsonb_object_keys(new_image) LOOP
      IF (old_image -> col) IS DISTINCT FROM (new_image -> col) THEN
        changes := changes || jsonb_build_object(col, jsonb_build_array(old_image -> col, new_image -> col));
      END IF;
    END LOOP;
    IF changes = '{}'::jsonb THEN
      RETURN NULL;  -- nothing audited changed (e.g. only last_login)
    END IF;
  ELSIF TG_OP = 'INSERT' THEN
    FOR col IN SELECT jsonb_object_keys(new_image) LOOP
      changes := changes || jsonb_build_object(col, jsonb_build_array(NULL::jsonb, new_image -> col));
    END LOOP;
  ELSE
    FOR col IN SELECT jsonb_object_keys(old_image) LOOP
      changes := changes || jsonb_build_object(col, jsonb_build_array(old_image -> col, NULL::jsonb));
    END LOOP;
  END IF;

  IF actor IS NULL THEN
    RAISE EXCEPTION 'ledgerline: % on % without an audit context (no actor)', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Write through a service inside audit_context(actor=..., reason=...).';
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND btrim(reason) = '' THEN
    RAISE EXCEPTION 'ledgerline: % on % needs a reason for change', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;

  record_pk := coalesce(new_image, old_image) ->> pk_col;
  INSERT INTO audit_event (txid, occurred_at, actor_id, actor_username, action, table_name,
                           record_pk, changes, reason, request_id)
  VALUES (txid_current(), clock_timestamp(), actor_id, actor, lower(TG_OP), TG_TABLE_NAME,
          coalesce(record_pk, ''), changes, reason, request_id);

  IF history_table IS NOT NULL THEN
    history_row := (CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END)
      || jsonb_build_object(
           'history_id', nextval(pg_get_serial_sequence(history_table, 'history_id')),
           'history_date', clock_timestamp(),
           'history_change_reason', nullif(reason, ''),
           'history_type', CASE TG_OP WHEN 'INSERT' THEN '+' WHEN 'UPDATE' THEN '~' ELSE '-' END,
           'history_user_id', actor_id);
    EXECUTE format('INSERT INTO %I SELECT * FROM jsonb_populate_record(NULL::%I, $1)',
                   history_table, history_table)
      USING history_row;
  END IF;
  RETURN NULL;
END
$$;
"""


def capture_sql(
    table: str,
    *,
    pk: str = "id",
    ignored: tuple[str, ...] = (),
    masked: tuple[str, ...] = (),
    history_table: str = "",
) -> str:
    """Install the capture trigger on `table`, ENABLE ALWAYS."""
    args = ", ".join(f"'{a}'" for a in (pk, ",".join(ignored), ",".join(masked), history_table))
    return (
        f"DROP TRIGGER IF EXISTS {table}_audit ON {table};\n"
        f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_capture({args});\n"
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_audit;\n"
    )


def drop_capture_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_audit ON {table};"
