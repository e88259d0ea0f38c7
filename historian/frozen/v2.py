"""Frozen (v2): rollups off the ingest's critical path. Never edited (historian/frozen/__init__).

The ingest no longer recomputes rollups in its transaction. Instead the statement trigger
that checks every stored row's permit (v1's historian_sample_accepted, replaced here) also
records each (tag, minute) the statement stored as owed to the rollups, in
historian_rollup_pending — in the same transaction, by the database, so no stored sample can
miss its rollup whoever wrote it. The drain (historian_drain_rollups, run by the background
queue) takes owed minutes and recomputes them through v1's one writer
(historian_refresh_rollups). Reads take the stored rollup of a minute nobody owes, and
recompute an owed minute from its samples (historian/sql.py `live_minutes`): every read stays
exact while the drain catches up, late data included (there is no single time watermark: a
late sample makes its own minute owed, wherever it lies).

The runtime role may read the owed minutes and run the drain, but not write them: a minute
can leave the table only by being recomputed from the samples.
"""

from __future__ import annotations

ROLLUP_PENDING = r"""
CREATE TABLE historian_rollup_pending (
    tag_id integer     NOT NULL,
    bucket timestamptz NOT NULL,
    queued timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX historian_rollup_pending_tag_bucket ON historian_rollup_pending (tag_id, bucket);
"""

SAMPLE_ACCEPTED = r"""
CREATE OR REPLACE FUNCTION historian_sample_accepted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  bad record;
BEGIN
  -- One pass over the statement's rows: the (batch, tag, minute) triples. The minutes of
  -- numbers are owed to the rollups until drained (what a refused statement owed is rolled
  -- back with it).
  WITH triples AS MATERIALIZED (
    SELECT DISTINCT batch_id, tag_id,
           date_bin('1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket
    FROM new_rows
  ), owed AS (
    INSERT INTO historian_rollup_pending (tag_id, bucket)
    SELECT DISTINCT n.tag_id, n.bucket
      FROM triples n JOIN historian_tag t ON t.id = n.tag_id
     WHERE t.value_type <> 'string'
  )
  SELECT n.batch_id, n.tag_id INTO bad
    FROM (SELECT DISTINCT batch_id, tag_id FROM triples) n
   WHERE NOT EXISTS (SELECT 1 FROM historian_ingest_permit p
                     WHERE p.batch_id = n.batch_id AND p.tag_id = n.tag_id
                       AND p.ingest_tx = txid_current())
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledgerline: samples of tag % name ingest batch %, which did not accept them',
      bad.tag_id, bad.batch_id
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Samples are stored by the ingest service, one ingest batch per request.';
  END IF;
  PERFORM historian_sample_write_grants_revoke();
  RETURN NULL;
END
$$;
"""

# One drain at a time (a transaction-level advisory lock): each recomputes the minutes it
# took from a snapshot taken after it took them, so a minute stored meanwhile is either in
# that snapshot or still owed — two drains could otherwise write an older recomputation over
# a newer one.
DRAIN_FUNCTION = r"""
CREATE OR REPLACE FUNCTION historian_drain_rollups(max_minutes integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
  tags integer[];
  buckets timestamptz[];
BEGIN
  PERFORM pg_advisory_xact_lock(831700, 19);
  WITH chosen AS (
    SELECT DISTINCT tag_id, bucket FROM historian_rollup_pending
    ORDER BY tag_id, bucket LIMIT greatest(max_minutes, 1)
  ), taken AS (
    DELETE FROM historian_rollup_pending p USING chosen c
     WHERE p.tag_id = c.tag_id AND p.bucket = c.bucket
    RETURNING p.tag_id, p.bucket
  )
  SELECT array_agg(tag_id ORDER BY tag_id, bucket), array_agg(bucket ORDER BY tag_id, bucket)
    INTO tags, buckets
    FROM (SELECT DISTINCT tag_id, bucket FROM taken) d;
  IF tags IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM historian_refresh_rollups(tags, buckets);
  RETURN cardinality(tags);
END
$$;
"""
