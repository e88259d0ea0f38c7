"""Whole lines in SQL: CPP excursions (batch records) and block means and changes on one grid
(the root-cause ranking)."""

from __future__ import annotations

from historian.quality import Quality
from historian.sql.rollups import live_minutes

# --- excursions (batch records watch their CPPs through historian.selectors.excursions) ------

# Runs of consecutive usable samples outside [low, high] within each of the spans given
# (gaps and islands, per span): each run's first and last time, the time of the sample after
# it in its span (where the signal came back; NULL while it is still outside at the span's
# end), its count and its extremes. Bad and non-finite samples are left out.
EXCURSIONS = f"""
WITH spans AS (
    SELECT a, b FROM unnest(%(starts)s::timestamptz[], %(ends)s::timestamptz[]) AS sp(a, b)
), s AS (
    SELECT sp.a AS span, h.ts, h.value_num AS v,
           (h.value_num < %(low)s OR h.value_num > %(high)s) AS outside
    FROM spans sp
    JOIN historian_sample h ON h.tag_id = %(tag)s AND h.ts >= sp.a AND h.ts < sp.b
    WHERE h.quality <> {Quality.BAD:d} AND h.value_num IS NOT NULL
      AND h.value_num NOT IN ('NaN', 'Infinity', '-Infinity')
), marked AS (
    SELECT span, ts, v, outside, lead(ts) OVER (PARTITION BY span ORDER BY ts) AS next_ts,
           row_number() OVER (PARTITION BY span ORDER BY ts)
             - row_number() OVER (PARTITION BY span, outside ORDER BY ts) AS island
    FROM s
)
SELECT min(ts), max(ts), (array_agg(next_ts ORDER BY ts DESC))[1], count(*), min(v), max(v)
FROM marked WHERE outside
GROUP BY span, island ORDER BY span, min(ts)
"""

# The minutes of a tag in [start, end) where the minute rollups say an excursion begins or
# goes on (a usable sample outside [low, high]) and the first minute of usable samples after
# each such run (where the signal came back), in time order: the excursion search reads raw
# rows only there. Minutes of only bad samples neither start nor end an excursion.
EXCURSION_MINUTES = f"""
SELECT bucket, outside FROM (
    SELECT bucket, outside, lag(outside) OVER (ORDER BY bucket) AS was_outside
    FROM (
        SELECT bucket, (min < %(low)s OR max > %(high)s) AS outside
        FROM {live_minutes("= %(tag)s")} AS live WHERE n > 0
    ) AS minutes
) AS marked
WHERE outside OR was_outside ORDER BY bucket
"""


# --- whole lines on one grid (historian.selectors.blocks; the root-cause ranking) -----------

# The mean of the usable samples of each tag in each block of %(step)s seconds from %(start)s
# (blocks numbered from 0), from the stored rows, or from the minute rollups where the blocks
# are whole minutes (sum and count merge exactly).
BLOCK_MEANS_RAW = f"""
SELECT tag_id, floor(extract(epoch FROM ts - %(start)s) / %(step)s)::integer AS k, avg(value_num)
FROM historian_sample
WHERE tag_id = ANY(%(tags)s) AND ts >= %(start)s AND ts < %(end)s AND quality <> {Quality.BAD:d}
  AND value_num IS NOT NULL AND value_num NOT IN ('NaN', 'Infinity', '-Infinity')
GROUP BY 1, 2
"""
BLOCK_MEANS_MINUTES = f"""
SELECT tag_id, floor(extract(epoch FROM bucket - %(start)s) / %(step)s)::integer AS k,
       sum(sum) / sum(n)
FROM {live_minutes("= ANY(%(tags)s)")} AS live
WHERE n > 0
GROUP BY 1, 2
"""

# Every change of value of each tag in [start, end) (not bad), with the value before it; the
# first usable sample of each tag in the window comes first, with no value before it.
CHANGES = f"""
SELECT tag_id, ts, value_num, value_text, before_num, before_text FROM (
    SELECT tag_id, ts, value_num, value_text,
           lag(value_num) OVER w AS before_num, lag(value_text) OVER w AS before_text,
           row_number() OVER w AS i
    FROM historian_sample
    WHERE tag_id = ANY(%(tags)s) AND ts >= %(start)s AND ts < %(end)s
      AND quality <> {Quality.BAD:d}
    WINDOW w AS (PARTITION BY tag_id ORDER BY ts)
) AS c
WHERE i = 1 OR value_num IS DISTINCT FROM before_num OR value_text IS DISTINCT FROM before_text
ORDER BY tag_id, ts
"""
