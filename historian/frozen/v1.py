"""Frozen (v1): the SQL of the sample store that migrations install: the hypertable, its
protection, the rollup tables and their one writer, the ingest permits. Never edited: a
change is a new version and a new migration (historian/sql.py holds what runs at run time,
and a test keeps the rollup recomputation there equal to the writer installed here)."""

from __future__ import annotations

SAMPLE_TABLE = r"""
CREATE TABLE historian_sample (
    ts         timestamptz      NOT NULL,
    value_num  double precision,
    tag_id     integer          NOT NULL,
    batch_id   integer          NOT NULL,
    quality    smallint         NOT NULL DEFAULT 0,
    value_text text
);
SELECT create_hypertable('historian_sample', by_range('ts', INTERVAL '1 day'),
                         create_default_indexes => false);
-- The one index: duplicates and conflicts are found by it, and reads go tag then time.
CREATE UNIQUE INDEX historian_sample_tag_ts ON historian_sample (tag_id, ts);

CREATE OR REPLACE FUNCTION historian_sample_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledgerline: % on historian_sample is refused: samples are append-only', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Record a signed correction instead.';
END
$$;
CREATE TRIGGER historian_sample_append_only BEFORE UPDATE OR DELETE ON historian_sample
  FOR EACH ROW EXECUTE FUNCTION historian_sample_refuse();
CREATE TRIGGER historian_sample_no_truncate BEFORE TRUNCATE ON historian_sample
  FOR EACH STATEMENT EXECUTE FUNCTION historian_sample_refuse();

-- Per tag and minute: what plots and aggregates need, so long ranges read these rows.
-- Bad samples (and non-finite values, which only bad samples may carry) are counted,
-- not summarised; `int_linear` and `int_step` integrate the signal between the
-- minute's first and last samples (value-seconds).
CREATE TABLE historian_rollup (
    tag_id          integer          NOT NULL,
    bucket          timestamptz      NOT NULL,
    n               integer          NOT NULL,
    sum             double precision,
    sumsq           double precision,
    min             double precision,
    min_ts          timestamptz,
    max             double precision,
    max_ts          timestamptz,
    first           double precision,
    first_ts        timestamptz,
    last            double precision,
    last_ts         timestamptz,
    int_linear      double precision,
    int_step        double precision,
    bad_count       integer          NOT NULL,
    uncertain_count integer          NOT NULL,
    PRIMARY KEY (tag_id, bucket)
);
"""

# A recomputed rollup replaces the one stored (minute and hour tables alike).
UPSERT_ROLLUP = """
ON CONFLICT (tag_id, bucket) DO UPDATE SET
    n = EXCLUDED.n, sum = EXCLUDED.sum, sumsq = EXCLUDED.sumsq,
    min = EXCLUDED.min, min_ts = EXCLUDED.min_ts, max = EXCLUDED.max, max_ts = EXCLUDED.max_ts,
    first = EXCLUDED.first, first_ts = EXCLUDED.first_ts,
    last = EXCLUDED.last, last_ts = EXCLUDED.last_ts,
    int_linear = EXCLUDED.int_linear, int_step = EXCLUDED.int_step,
    bad_count = EXCLUDED.bad_count, uncertain_count = EXCLUDED.uncertain_count
"""

ROLLUP_COLUMNS = (
    "tag_id, bucket, n, sum, sumsq, min, min_ts, max, max_ts, first, first_ts, last, last_ts, "
    "int_linear, int_step, bad_count, uncertain_count"
)

# The minute rollups of the (tag, minute) pairs of {wanted} (a query of tag_id, bucket),
# from the stored samples.
MINUTE_ROLLUPS = r"""
WITH wanted AS (
    {wanted}
), samples AS (
    -- One index range scan per wanted minute, whatever the statistics say.
    SELECT w.tag_id, w.bucket, s.ts, s.value_num AS v, s.quality,
           (s.quality <> 2 AND s.value_num IS NOT NULL
            AND s.value_num NOT IN ('NaN', 'Infinity', '-Infinity')) AS usable
    FROM wanted w
    CROSS JOIN LATERAL (
        SELECT ts, value_num, quality FROM historian_sample
        WHERE tag_id = w.tag_id AND ts >= w.bucket AND ts < w.bucket + INTERVAL '1 minute'
        OFFSET 0  -- a fence: the planner may not flatten this into one big merge join
    ) s
), usable AS (
    SELECT tag_id, bucket, ts, v,
           lead(ts) OVER w AS next_ts, lead(v) OVER w AS next_v
    FROM samples WHERE usable
    WINDOW w AS (PARTITION BY tag_id, bucket ORDER BY ts)
), summary AS (
    SELECT tag_id, bucket, count(*)::integer AS n, sum(v) AS sum, sum(v * v) AS sumsq,
           min(v) AS min, (array_agg(ts ORDER BY v, ts))[1] AS min_ts,
           max(v) AS max, (array_agg(ts ORDER BY v DESC, ts))[1] AS max_ts,
           (array_agg(v ORDER BY ts))[1] AS first, min(ts) AS first_ts,
           (array_agg(v ORDER BY ts DESC))[1] AS last, max(ts) AS last_ts,
           coalesce(sum((v + next_v) / 2 * extract(epoch FROM next_ts - ts)), 0) AS int_linear,
           coalesce(sum(v * extract(epoch FROM next_ts - ts)), 0) AS int_step
    FROM usable GROUP BY tag_id, bucket
), counts AS (
    SELECT tag_id, bucket,
           count(*) FILTER (WHERE quality = 2)::integer AS bad_count,
           count(*) FILTER (WHERE quality = 1)::integer AS uncertain_count
    FROM samples GROUP BY tag_id, bucket
)
SELECT c.tag_id, c.bucket, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts,
       s.first, s.first_ts, s.last, s.last_ts, s.int_linear, s.int_step,
       c.bad_count, c.uncertain_count
FROM counts c LEFT JOIN summary s USING (tag_id, bucket)
"""


# Hourly rollups, made from the minute rollups of the (tag, hour) pairs of {wanted} (a query
# of tag_id, hour): long plots and aggregates read 60 times fewer rows. The integral across
# the gap between two minutes of one hour is added, as Summary.merge does.
HOUR_ROLLUPS = r"""
WITH wanted AS (
    {wanted}
), minutes AS (
    SELECT w.hour, r.*
    FROM wanted w
    CROSS JOIN LATERAL (
        SELECT * FROM {minute_table}
        WHERE tag_id = w.tag_id AND bucket >= w.hour AND bucket < w.hour + INTERVAL '1 hour'
        OFFSET 0
    ) r
), linked AS (
    SELECT *, lag(last) OVER w AS prev_last, lag(last_ts) OVER w AS prev_last_ts
    FROM minutes WHERE n > 0
    WINDOW w AS (PARTITION BY tag_id, hour ORDER BY bucket)
), summary AS (
    SELECT tag_id, hour, sum(n)::integer AS n, sum(sum) AS sum, sum(sumsq) AS sumsq,
           min(min) AS min, (array_agg(min_ts ORDER BY min, min_ts))[1] AS min_ts,
           max(max) AS max, (array_agg(max_ts ORDER BY max DESC, max_ts))[1] AS max_ts,
           (array_agg(first ORDER BY first_ts))[1] AS first, min(first_ts) AS first_ts,
           (array_agg(last ORDER BY last_ts DESC))[1] AS last, max(last_ts) AS last_ts,
           sum(int_linear) + coalesce(sum((prev_last + first) / 2
               * extract(epoch FROM first_ts - prev_last_ts)), 0) AS int_linear,
           sum(int_step) + coalesce(sum(prev_last
               * extract(epoch FROM first_ts - prev_last_ts)), 0) AS int_step
    FROM linked GROUP BY tag_id, hour
), counts AS (
    SELECT tag_id, hour, sum(bad_count)::integer AS bad_count,
           sum(uncertain_count)::integer AS uncertain_count
    FROM minutes GROUP BY tag_id, hour
)
SELECT c.tag_id, c.hour, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts,
       s.first, s.first_ts, s.last, s.last_ts, coalesce(s.int_linear, 0),
       coalesce(s.int_step, 0), c.bad_count, c.uncertain_count
FROM counts c LEFT JOIN summary s USING (tag_id, hour)
"""

HOUR_TABLE = r"""
CREATE TABLE historian_rollup_hour (LIKE historian_rollup INCLUDING ALL);
"""

_PAIRS = "SELECT DISTINCT t.tag_id, t.bucket FROM unnest(tags, buckets) AS t(tag_id, bucket)"
_HOURS = (
    "SELECT DISTINCT t.tag_id, date_trunc('hour', t.bucket) AS hour "
    "FROM unnest(tags, buckets) AS t(tag_id, bucket)"
)

# The one writer of the rollups (owned by the owner role; the runtime role may not write the
# rollup tables): it recomputes the given minutes, then their hours, from the stored samples,
# so whoever calls it can only make the rollups agree with the raw rows.
REFRESH_FUNCTION = (
    """
CREATE OR REPLACE FUNCTION historian_refresh_rollups(tags integer[], buckets timestamptz[])
RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp SET TimeZone = 'UTC' AS $fn$
INSERT INTO historian_rollup
"""
    + MINUTE_ROLLUPS.format(wanted=_PAIRS)
    + UPSERT_ROLLUP
    + ";\nINSERT INTO historian_rollup_hour\n"
    + HOUR_ROLLUPS.format(wanted=_HOURS, minute_table="historian_rollup")
    + UPSERT_ROLLUP
    + ";\n$fn$;\n"
)

# Every stored sample belongs to an ingest batch that accepted it in the same transaction:
# the ingest service takes a permit per (batch, tag) before it writes (the permit records
# the transaction; it is valid only if that batch row is committed with it), and a
# statement trigger on the hypertable refuses rows without one. Chunks copy the hypertable's
# grants when TimescaleDB makes them; the trigger takes the write grants back, so rows
# reach a chunk only through the hypertable and this check.
SAMPLE_PERMITS = r"""
CREATE TABLE historian_ingest_permit (
    batch_id  integer NOT NULL,
    tag_id    integer NOT NULL,
    ingest_tx bigint  NOT NULL,
    PRIMARY KEY (batch_id, tag_id)
);

-- Batches and permits carry the transaction that wrote them, stamped by the database.
CREATE OR REPLACE FUNCTION historian_stamp_ingest_tx() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  NEW.ingest_tx := txid_current();
  RETURN NEW;
END
$$;
CREATE TRIGGER historian_ingest_permit_stamp BEFORE INSERT ON historian_ingest_permit
  FOR EACH ROW EXECUTE FUNCTION historian_stamp_ingest_tx();
ALTER TABLE historian_ingest_permit ENABLE ALWAYS TRIGGER historian_ingest_permit_stamp;

CREATE TRIGGER historian_ingest_batch_stamp BEFORE INSERT ON historian_ingest_batch
  FOR EACH ROW EXECUTE FUNCTION historian_stamp_ingest_tx();
ALTER TABLE historian_ingest_batch ENABLE ALWAYS TRIGGER historian_ingest_batch_stamp;

CREATE OR REPLACE FUNCTION historian_ingest_permit_batch() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  -- The batch must be committed with the permit, by the same transaction: an older batch
  -- cannot be given new samples.
  IF NOT EXISTS (SELECT 1 FROM historian_ingest_batch b
                 WHERE b.id = NEW.batch_id AND b.ingest_tx = NEW.ingest_tx) THEN
    RAISE EXCEPTION 'ledgerline: ingest batch % did not accept samples in this transaction',
      NEW.batch_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER historian_ingest_permit_batch AFTER INSERT ON historian_ingest_permit
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION historian_ingest_permit_batch();
ALTER TABLE historian_ingest_permit ENABLE ALWAYS TRIGGER historian_ingest_permit_batch;

CREATE OR REPLACE FUNCTION historian_sample_write_grants_revoke() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  chunk regclass;
  grantee text;
BEGIN
  FOR chunk, grantee IN
    SELECT DISTINCT c.oid::regclass,
           CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL aclexplode(c.relacl) a
    LEFT JOIN pg_roles r ON r.oid = a.grantee
    WHERE i.inhparent = 'public.historian_sample'::regclass AND a.grantee <> c.relowner
      AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
  LOOP
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM %s', chunk, grantee);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION historian_sample_accepted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.batch_id, n.tag_id INTO bad
    FROM (SELECT DISTINCT batch_id, tag_id FROM new_rows) n
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
CREATE TRIGGER historian_sample_accepted AFTER INSERT ON historian_sample
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION historian_sample_accepted();
SELECT historian_sample_write_grants_revoke();
"""
