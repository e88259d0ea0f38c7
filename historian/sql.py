"""Rollup SQL at run time: historian_verify recomputes minute and hour rollups with it.

It must equal what the installed writer (historian_refresh_rollups, historian/frozen/v1.py)
computes: tests/historian/test_runtime_role.py checks that the two texts agree.
"""

from __future__ import annotations

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
