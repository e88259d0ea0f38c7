"""The rollups in SQL: the builders the one writer and historian_verify use (MINUTE_ROLLUPS,
HOUR_ROLLUPS, the merge of minutes), and the reads of them: live minutes and hours (owed ones
recomputed), merged per output bucket; with the bad samples' values counted in where a read asks
bad samples back."""

from __future__ import annotations

from historian.quality import Quality

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
MINUTE_ROLLUPS = rf"""
WITH wanted AS (
    {{wanted}}
), samples AS (
    -- One index range scan per wanted minute, whatever the statistics say.
    SELECT w.tag_id, w.bucket, s.ts, s.value_num AS v, s.quality,
           (s.quality <> {Quality.BAD:d} AND s.value_num IS NOT NULL
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
           count(*) FILTER (WHERE quality = {Quality.BAD:d})::integer AS bad_count,
           count(*) FILTER (WHERE quality = {Quality.UNCERTAIN:d})::integer AS uncertain_count
    FROM samples GROUP BY tag_id, bucket
)
SELECT c.tag_id, c.bucket, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts,
       s.first, s.first_ts, s.last, s.last_ts, s.int_linear, s.int_step,
       c.bad_count, c.uncertain_count
FROM counts c LEFT JOIN summary s USING (tag_id, bucket)
"""


def merged_minutes(key: str) -> str:
    """CTEs `linked`, `summary` and `counts` over a CTE `minutes` of rollup rows: the minutes of
    each group (`key`) merged, earlier first, as Summary.merge merges two stretches — the
    integral across the gap between two minutes of a group included. The one SQL statement of
    the merge: the hour rollups (written and verified) and reads over many minutes use it,
    and tests/historian/reads/test_rollups_agree.py checks it against Summary.merge over the
    raw rows."""
    return f"""linked AS (
    SELECT *, lag(last) OVER w AS prev_last, lag(last_ts) OVER w AS prev_last_ts
    FROM minutes WHERE n > 0
    WINDOW w AS (PARTITION BY {key} ORDER BY bucket)
), summary AS (
    SELECT {key}, sum(n)::integer AS n, sum(sum) AS sum, sum(sumsq) AS sumsq,
           min(min) AS min, (array_agg(min_ts ORDER BY min, min_ts))[1] AS min_ts,
           max(max) AS max, (array_agg(max_ts ORDER BY max DESC, max_ts))[1] AS max_ts,
           (array_agg(first ORDER BY first_ts))[1] AS first, min(first_ts) AS first_ts,
           (array_agg(last ORDER BY last_ts DESC))[1] AS last, max(last_ts) AS last_ts,
           sum(int_linear) + coalesce(sum((prev_last + first) / 2
               * extract(epoch FROM first_ts - prev_last_ts)), 0) AS int_linear,
           sum(int_step) + coalesce(sum(prev_last
               * extract(epoch FROM first_ts - prev_last_ts)), 0) AS int_step
    FROM linked GROUP BY {key}
), counts AS (
    SELECT {key}, sum(bad_count)::integer AS bad_count,
           sum(uncertain_count)::integer AS uncertain_count
    FROM minutes GROUP BY {key}
)"""


# Hourly rollups, made from the minute rollups of the (tag, hour) pairs of {wanted} (a query
# of tag_id, hour): long plots and aggregates read 60 times fewer rows.
HOUR_ROLLUPS = (
    """
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
), """
    + merged_minutes("tag_id, hour")
    + """
SELECT c.tag_id, c.hour, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts,
       s.first, s.first_ts, s.last, s.last_ts, coalesce(s.int_linear, 0),
       coalesce(s.int_step, 0), c.bad_count, c.uncertain_count
FROM counts c LEFT JOIN summary s USING (tag_id, hour)
"""
)


# The minute rollups with bad samples' values counted in (usable: a finite value, whatever
# its quality), kept by the writer for the minutes and hours that hold a bad sample
# (historian_rollup_all, historian_rollup_hour_all; historian/frozen/v4.py). Where a minute
# or hour holds none, the plain rollup is the same summary.
MINUTE_ROLLUPS_ALL = MINUTE_ROLLUPS.replace(
    f"(s.quality <> {Quality.BAD:d} AND s.value_num IS NOT NULL", "(s.value_num IS NOT NULL"
)
ROLLUP_TABLES = {"minute": "historian_rollup", "hour": "historian_rollup_hour"}


def stored_rollups(level: str, *, include_bad: bool) -> str:
    """The stored rollups of `level` (a table expression): with `include_bad`, the row with
    bad samples where the bucket holds any, else the plain one."""
    table = ROLLUP_TABLES[level]
    if not include_bad:
        return table
    return f"(SELECT * FROM {table}_all UNION ALL SELECT * FROM {table} WHERE bad_count = 0)"


# The minutes an hour with bad samples is made from (HOUR_ROLLUPS' {minute_table}), as the
# writer (frozen v4) and historian_verify read them.
MINUTES_ALL = stored_rollups("minute", include_bad=True) + " AS minutes_all"


def _owed_recomputed(tags: str, include_bad: bool) -> str:
    """The owed minutes of the tags in [%(start)s, %(end)s), recomputed from their samples
    (with the bad samples' values counted in when `include_bad`)."""
    owed = (
        "SELECT DISTINCT tag_id, bucket FROM historian_rollup_pending "
        f"WHERE tag_id {tags} AND bucket >= %(start)s AND bucket < %(end)s"
    )
    minutes = MINUTE_ROLLUPS_ALL if include_bad else MINUTE_ROLLUPS
    return f"SELECT * FROM ({minutes.format(wanted=owed)}) AS owed"


_NOT_OWED = (
    "NOT EXISTS (SELECT FROM historian_rollup_pending p "
    "WHERE p.tag_id = r.tag_id AND p.bucket = r.bucket)"
)


def live_minutes(tags: str, *, include_bad: bool = False) -> str:
    """The minute rollups of the tags whose tag_id {tags} (an SQL condition, e.g.
    "= %(tag)s") in [%(start)s, %(end)s), as of the stored samples: the stored rollup of a
    minute nobody owes, and an owed minute (historian_rollup_pending: stored since the drain
    last ran) recomputed from its samples by MINUTE_ROLLUPS — TimescaleDB's real-time
    aggregates, with owed minutes in place of one time watermark, since late data may land
    in any minute. One statement, so one snapshot: the drain commits a minute's removal from
    the owed ones with its new rollup. With `include_bad`, the summaries with bad samples'
    values counted in (stored_rollups)."""
    return f"""(
    SELECT {ROLLUP_COLUMNS} FROM {stored_rollups("minute", include_bad=include_bad)} r
    WHERE r.tag_id {tags} AND r.bucket >= %(start)s AND r.bucket < %(end)s AND {_NOT_OWED}
    UNION ALL
    {_owed_recomputed(tags, include_bad)}
)"""


def live_hours(tags: str, *, include_bad: bool = False) -> str:
    """The hour rollups of live_minutes' tags in [%(start)s, %(end)s) (whole hours), as of the
    stored samples: the stored hour where none of its minutes is owed, else its minutes as
    live_minutes gives them (merged_minutes merges minutes and hours alike)."""
    hours, minutes = (
        stored_rollups(level, include_bad=include_bad) for level in ("hour", "minute")
    )
    return f"""(
    WITH owed AS (
        SELECT DISTINCT tag_id, date_trunc('hour', bucket, 'UTC') AS hour
        FROM historian_rollup_pending
        WHERE tag_id {tags} AND bucket >= %(start)s AND bucket < %(end)s
    )
    SELECT {ROLLUP_COLUMNS} FROM {hours} h
    WHERE h.tag_id {tags} AND h.bucket >= %(start)s AND h.bucket < %(end)s
      AND NOT EXISTS (SELECT FROM owed o WHERE o.tag_id = h.tag_id AND o.hour = h.bucket)
    UNION ALL
    SELECT r.* FROM owed o
    JOIN {minutes} r ON r.tag_id = o.tag_id AND r.bucket >= o.hour
                    AND r.bucket < o.hour + INTERVAL '1 hour'
    WHERE {_NOT_OWED}
    UNION ALL
    {_owed_recomputed(tags, include_bad)}
)"""


LIVE_ROLLUPS = {"minute": live_minutes, "hour": live_hours}
# How a rollup row's minute or hour (a sample's time), given as {at}, finds its output bucket
# (numbered from 1): among explicit edges, or, for equal intervals (plots), by arithmetic
# with no edge list to search.
BY_EDGES = "width_bucket({at}, %(edges)s::timestamptz[])"
BY_STEP = "floor(extract(epoch FROM {at} - %(origin)s) / %(step)s)::integer + 1"


# What a read takes of each merged bucket: a whole Summary (aggregates), or only what a plot
# interval shows, in the row shape of PLOT_FROM_SAMPLES below (the planner then skips the
# merge's unused sums and integrals).
SUMMARY_COLUMNS = """c.k, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts,
       s.first, s.first_ts, s.last, s.last_ts, s.int_linear, s.int_step, c.bad_count,
       c.uncertain_count"""
PLOT_COLUMNS = """c.k, coalesce(s.n, 0), s.first, s.first_ts, s.last, s.last_ts, s.min, s.min_ts,
       s.max, s.max_ts, c.bad_count, c.uncertain_count"""


# Whether any minute of one tag in [start, end) is owed to the rollups (one index probe).
OWED = (
    "SELECT EXISTS (SELECT FROM historian_rollup_pending "
    "WHERE tag_id = %(tag)s AND bucket >= %(start)s AND bucket < %(end)s)"
)


def rollups_per_bucket(
    level: str,
    bucket_number: str,
    columns: str = SUMMARY_COLUMNS,
    *,
    owed: bool = True,
    include_bad: bool = False,
) -> str:
    """The rollups of one tag in [start, end) merged per output bucket inside PostgreSQL
    (merged_minutes), so Python sees one row per bucket (numbered from 1): SUMMARY_COLUMNS
    (k, n, sum, sumsq, min, min_ts, max, max_ts, first, first_ts, last, last_ts, int_linear,
    int_step, bad, uncertain) or PLOT_COLUMNS; with `include_bad`, the bad samples' values
    counted in. With `owed` False (OWED found none), the stored rollups alone: the live
    query's plan costs milliseconds to make."""
    source = (
        LIVE_ROLLUPS[level]("= %(tag)s", include_bad=include_bad)
        if owed
        else f"(SELECT * FROM {stored_rollups(level, include_bad=include_bad)} AS r "
        "WHERE tag_id = %(tag)s AND bucket >= %(start)s AND bucket < %(end)s)"
    )
    return (
        f"""
WITH minutes AS (
    SELECT {bucket_number.format(at="bucket")} AS k, * FROM {source} AS live
), """
        + merged_minutes("k")
        + f"""
SELECT {columns}
FROM counts c LEFT JOIN summary s USING (k) ORDER BY c.k
"""
    )
