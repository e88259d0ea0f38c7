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
  image jsonb;
  col text;
BEGIN
  IF cardinality(ignored) = 0 AND cardinality(masked) = 0 THEN
    RETURN row_data;
  END IF;
  image := row_data - ignored;
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
    SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_array(old_image -> n.key, n.value)), '{}')
      INTO changes
      FROM jsonb_each(new_image) AS n
     WHERE (old_image -> n.key) IS DISTINCT FROM n.value;
    IF changes = '{}'::jsonb THEN
      RETURN NULL;  -- nothing audited changed (e.g. only last_login)
    END IF;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(NULL::jsonb, value)), '{}')
      INTO changes FROM jsonb_each(new_image);
  ELSE
    SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(value, NULL::jsonb)), '{}')
      INTO changes FROM jsonb_each(old_image);
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
           'history_date', clock_timestamp(),
           'history_change_reason', nullif(reason, ''),
           'history_type', CASE TG_OP WHEN 'INSERT' THEN '+' WHEN 'UPDATE' THEN '~' ELSE '-' END,
           'history_user_id', actor_id);
    -- One small function per history table (history_sql below): its INSERT plan is cached.
    EXECUTE format('SELECT %I($1)', history_table || '_write') USING history_row;
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
    baseline: str = "",
) -> str:
    """Install the capture trigger on `table`, ENABLE ALWAYS.

    With `baseline` (the migration's name), rows already in the table get an
    `insert` event as `system:migration`, so the state check finds every row
    accounted for; the migration then seals them (`seal_migration_events`).
    """
    args = ", ".join(f"'{a}'" for a in (pk, ",".join(ignored), ",".join(masked), history_table))
    sql = (history_sql(history_table) if history_table else "") + (
        f"DROP TRIGGER IF EXISTS {table}_audit ON {table};\n"
        f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_capture({args});\n"
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_audit;\n"
    )
    if baseline:
        ignored_sql = "ARRAY[" + ",".join(f"'{c}'" for c in ignored) + "]::text[]"
        masked_sql = "ARRAY[" + ",".join(f"'{c}'" for c in masked) + "]::text[]"
        sql += (
            "INSERT INTO audit_event (txid, occurred_at, actor_username, action, table_name, "
            "record_pk, changes, reason, request_id) "
            f"SELECT txid_current(), clock_timestamp(), 'system:migration', 'insert', '{table}', "
            f"to_jsonb(t) ->> '{pk}', "
            "(SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(NULL::jsonb, value)), "
            f"'{{}}') FROM jsonb_each(audit_row_image(to_jsonb(t), {ignored_sql}, {masked_sql}))),"
            f" 'baseline: {baseline}', '' FROM {table} t ORDER BY t.{pk};\n"
        )
    return sql


def history_sql(history_table: str) -> str:
    """The writer of a simple-history table: fills history_id and inserts the row."""
    return f"""
CREATE OR REPLACE FUNCTION {history_table}_write(row_data jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO {history_table}
    SELECT * FROM jsonb_populate_record(
      NULL::{history_table},
      row_data || jsonb_build_object('history_id', nextval(pg_get_serial_sequence(
        '{history_table}', 'history_id'))));
END
$$;
"""


def drop_capture_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_audit ON {table};"


SIGNED_GUARD_FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_signed_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  guarded_pk text := to_jsonb(OLD) ->> TG_ARGV[0];
BEGIN
  IF EXISTS (SELECT 1 FROM audit_signature s
             WHERE s.record_table = TG_TABLE_NAME AND s.record_pk = guarded_pk) THEN
    RAISE EXCEPTION 'ledgerline: %:% is signed and cannot be changed', TG_TABLE_NAME, guarded_pk
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Record a correction as a new version with its own signatures.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
"""


def signed_guard_sql(table: str, *, pk: str = "id") -> str:
    """Refuse UPDATE and DELETE of a row once it carries a signature (ENABLE ALWAYS)."""
    return (
        f"DROP TRIGGER IF EXISTS {table}_signed_guard ON {table};\n"
        f"CREATE TRIGGER {table}_signed_guard BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_signed_guard('{pk}');\n"
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_signed_guard;\n"
    )


SEAL_BEGIN_FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_seal_begin(lock_key bigint)
RETURNS TABLE (event_id bigint, occurred_at timestamptz, actor_id bigint, actor_username text,
               action text, table_name text, record_pk text, changes jsonb, reason text,
               request_id text, head_seq bigint, head_hash text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  h_seq bigint;
  h_hash text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.seq IS NULL AND e.txid = txid_current()) THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(lock_key);
  -- A new statement, so a new snapshot: it sees every commit made while we waited.
  SELECT e.seq, e.hash INTO h_seq, h_hash
    FROM audit_event e WHERE e.seq IS NOT NULL ORDER BY e.seq DESC LIMIT 1;
  RETURN QUERY
    SELECT e.id, e.occurred_at, e.actor_id, e.actor_username::text, e.action::text,
           e.table_name::text, e.record_pk::text, e.changes, e.reason, e.request_id::text,
           h_seq, h_hash::text
    FROM audit_event e WHERE e.seq IS NULL AND e.txid = txid_current() ORDER BY e.id;
END
$$;

CREATE OR REPLACE FUNCTION audit_seal_finish(ids bigint[], seqs bigint[], prevs text[],
                                             hashes text[])
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  sealed integer;
BEGIN
  UPDATE audit_event AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
    FROM unnest(ids, seqs, prevs, hashes) AS v(id, seq, prev_hash, hash)
   WHERE e.id = v.id;
  GET DIAGNOSTICS sealed = ROW_COUNT;
  RETURN sealed;
END
$$;
"""
