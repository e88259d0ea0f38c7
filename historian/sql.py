"""SQL of the sample store: the hypertable, its protection, and the per-minute rollups."""

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

# Recompute the rollups of the given (tag, minute) pairs from the stored samples.
REFRESH_ROLLUPS = r"""
WITH wanted AS (
    SELECT DISTINCT t.tag_id, t.bucket
    FROM unnest(%(tags)s::integer[], %(buckets)s::timestamptz[]) AS t(tag_id, bucket)
), samples AS (
    SELECT s.tag_id, w.bucket, s.ts, s.value_num AS v, s.quality,
           (s.quality <> 2 AND s.value_num IS NOT NULL
            AND s.value_num NOT IN ('NaN', 'Infinity', '-Infinity')) AS usable
    FROM wanted w
    JOIN historian_sample s
      ON s.tag_id = w.tag_id AND s.ts >= w.bucket AND s.ts < w.bucket + INTERVAL '1 minute'
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
INSERT INTO historian_rollup
SELECT c.tag_id, c.bucket, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts,
       s.first, s.first_ts, s.last, s.last_ts, s.int_linear, s.int_step,
       c.bad_count, c.uncertain_count
FROM counts c LEFT JOIN summary s USING (tag_id, bucket)
ON CONFLICT (tag_id, bucket) DO UPDATE SET
    n = EXCLUDED.n, sum = EXCLUDED.sum, sumsq = EXCLUDED.sumsq,
    min = EXCLUDED.min, min_ts = EXCLUDED.min_ts, max = EXCLUDED.max, max_ts = EXCLUDED.max_ts,
    first = EXCLUDED.first, first_ts = EXCLUDED.first_ts,
    last = EXCLUDED.last, last_ts = EXCLUDED.last_ts,
    int_linear = EXCLUDED.int_linear, int_step = EXCLUDED.int_step,
    bad_count = EXCLUDED.bad_count, uncertain_count = EXCLUDED.uncertain_count
"""
