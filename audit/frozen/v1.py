"""Frozen (v1): the SQL of the audit capture, installed by migrations. Never edited: a change
is a new version (audit/frozen/v2.py, …) and a new migration that installs it.

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

Both pin the session settings that change how `to_jsonb` writes a value
(`TimeZone`, `extra_float_digits`, `IntervalStyle`), so a session in another
zone or with other float digits captures exactly what the state check reads.
"""

from __future__ import annotations

CAPTURE_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_row_image(row_data jsonb, ignored text[], masked text[])
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE
SET TimeZone = 'UTC' SET extra_float_digits = 1 SET IntervalStyle = 'postgres' AS $$
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

-- to_jsonb of a row in the formats capture uses, whatever the calling session says: what
-- the state check and the signatures' content digests read.
CREATE OR REPLACE FUNCTION audit_to_jsonb(row_data anyelement) RETURNS jsonb
LANGUAGE sql STABLE
SET TimeZone = 'UTC' SET extra_float_digits = 1 SET IntervalStyle = 'postgres'
AS 'SELECT to_jsonb(row_data)';

CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET TimeZone = 'UTC' SET extra_float_digits = 1 SET IntervalStyle = 'postgres' AS $$
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


# The unsealed events come back with their time and changes as text (the canonical
# timestamp, jsonb's own text): no session setting or client-side parsing can change what
# is hashed.
SEAL_BEGIN_FUNCTION = r"""
DROP FUNCTION IF EXISTS audit_seal_begin(bigint);
CREATE FUNCTION audit_seal_begin(lock_key bigint)
RETURNS TABLE (event_id bigint, occurred_at text, actor_id bigint, actor_username text,
               action text, table_name text, record_pk text, changes text, reason text,
               request_id text, head_seq bigint, head_hash text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
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
    SELECT e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           e.actor_id, e.actor_username::text, e.action::text,
           e.table_name::text, e.record_pk::text, e.changes::text, e.reason, e.request_id::text,
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


# The chain guarded by the database itself (DESIGN.md, "Sealing"). Every function pins its
# search_path with pg_catalog first and pg_temp last, so a temporary table named like
# audit_event or pg_locks cannot stand in for the real one. An event is
# inserted unsealed, at the server's time and in the inserting transaction; a
# seal is made only under the chain lock and only as the next link of the
# chain (seq = head + 1, prev_hash = the head's hash), one event at a time, by
# `audit_seal_finish`, the one writer of the seal columns.
CHAIN_GUARD = r"""
CREATE OR REPLACE FUNCTION audit_event_unsealed_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
    RAISE EXCEPTION 'ledgerline: an audit event is inserted unsealed (seq, prev_hash, hash empty)'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Sealing numbers and hashes events under the chain lock.';
  END IF;
  NEW.txid := txid_current();
  NEW.occurred_at := clock_timestamp();
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS audit_event_unsealed_insert ON audit_event;
CREATE TRIGGER audit_event_unsealed_insert BEFORE INSERT ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_unsealed_insert();
ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_unsealed_insert;

CREATE OR REPLACE FUNCTION audit_event_require_seal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id AND seq IS NULL) THEN
    RAISE EXCEPTION 'ledgerline: audit event % was not sealed before commit', NEW.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION audit_event_seal_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  head_seq bigint;
  head_hash text;
BEGIN
  IF OLD.seq IS NOT NULL OR OLD.hash IS NOT NULL OR OLD.prev_hash IS NOT NULL
     OR NEW.seq IS NULL OR NEW.hash IS NULL OR NEW.prev_hash IS NULL
     OR (NEW.id, NEW.occurred_at, NEW.txid, NEW.actor_id, NEW.actor_username, NEW.action,
         NEW.table_name, NEW.record_pk, NEW.changes, NEW.reason, NEW.request_id)
        IS DISTINCT FROM
        (OLD.id, OLD.occurred_at, OLD.txid, OLD.actor_id, OLD.actor_username, OLD.action,
         OLD.table_name, OLD.record_pk, OLD.changes, OLD.reason, OLD.request_id)
  THEN
    RAISE EXCEPTION 'ledgerline: audit events are append-only; only sealing is allowed'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The chain lock (pg_advisory_xact_lock(5495873993171946574), audit.chain.CHAIN_LOCK_KEY).
  IF NOT EXISTS (SELECT 1 FROM pg_locks
                 WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                   AND classid = 1279607879 AND objid = 1163021390 AND objsubid = 1) THEN
    RAISE EXCEPTION 'ledgerline: an audit event is sealed only under the chain lock'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT e.seq, e.hash INTO head_seq, head_hash
    FROM audit_event e WHERE e.seq IS NOT NULL ORDER BY e.seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(head_seq, 0) + 1
     OR NEW.prev_hash <> coalesce(head_hash, repeat('0', 64)) THEN
    RAISE EXCEPTION 'ledgerline: a seal continues the chain: seq % after the head %',
      coalesce(head_seq, 0) + 1, coalesce(head_seq, 0)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION audit_seal_finish(ids bigint[], seqs bigint[], prevs text[],
                                             hashes text[])
RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  i integer;
  found integer;
BEGIN
  -- One event at a time, in chain order: each seal sees the one before it.
  FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
    UPDATE audit_event SET seq = seqs[i], prev_hash = prevs[i], hash = hashes[i]
     WHERE id = ids[i] AND seq IS NULL AND txid = txid_current();
    GET DIAGNOSTICS found = ROW_COUNT;
    IF found <> 1 THEN
      RAISE EXCEPTION 'ledgerline: event % is not an unsealed event of this transaction', ids[i]
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END LOOP;
  RETURN coalesce(array_length(ids, 1), 0);
END
$$;
"""


def added_columns_sql(
    table: str, columns: tuple[str, ...], *, migration: str, pk: str = "id"
) -> str:
    """Record columns a migration adds to an audited table: one `update` event per existing
    row (old value absent, new value as the row now holds it), so the state check finds every
    row as its events describe it. The migration then seals them (`seal_migration_events`)."""
    pairs = ", ".join(
        f"'{c}', jsonb_build_array(NULL::jsonb, to_jsonb(t) -> '{c}')" for c in columns
    )
    return (
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 1;\n"
        "INSERT INTO audit_event (actor_username, action, table_name, record_pk, changes, "
        "reason, request_id) "
        f"SELECT 'system:migration', 'update', '{table}', to_jsonb(t) ->> '{pk}', "
        f"jsonb_build_object({pairs}), 'column(s) {', '.join(columns)} added: {migration}', '' "
        f"FROM {table} t ORDER BY t.{pk};\n"
    )
