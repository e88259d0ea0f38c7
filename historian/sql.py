"""The historian's SQL at run time, in one place: the rollup builders and the reads.

The rollup builders are what historian_verify recomputes minute and hour rollups with; they
must equal what the installed writer (historian_refresh_rollups, historian/frozen/v1.py)
computes: tests/historian/test_runtime_role.py checks that the two texts agree. The reads
(historian.selectors) summarise rollups with the same merge (`merged_minutes`).
Quality codes appear by name (historian.quality), never as bare numbers.
"""

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
    the merge: the hour rollups (written and verified) and reads over many minutes use it, and
    tests/historian/test_reads.py checks it against Summary.merge over the raw rows."""
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


# --- reads (historian.selectors) ----------------------------------------------------------

SAMPLE_SELECT = "SELECT ts, value_num, value_text, quality FROM historian_sample WHERE tag_id = %s "
NOT_BAD = f"AND quality <> {Quality.BAD:d} "
# A sample with a value to interpolate from or towards.
FINITE = (
    "AND (value_num IS NULL OR value_num NOT IN ('NaN', 'Infinity', '-Infinity')) "
    "AND (value_num IS NOT NULL OR value_text IS NOT NULL) "
)


def _owed_recomputed(tags: str) -> str:
    """The owed minutes of the tags in [%(start)s, %(end)s), recomputed from their samples."""
    owed = (
        "SELECT DISTINCT tag_id, bucket FROM historian_rollup_pending "
        f"WHERE tag_id {tags} AND bucket >= %(start)s AND bucket < %(end)s"
    )
    return f"SELECT * FROM ({MINUTE_ROLLUPS.format(wanted=owed)}) AS owed"


_NOT_OWED = (
    "NOT EXISTS (SELECT FROM historian_rollup_pending p "
    "WHERE p.tag_id = r.tag_id AND p.bucket = r.bucket)"
)


def live_minutes(tags: str) -> str:
    """The minute rollups of the tags whose tag_id {tags} (an SQL condition, e.g.
    "= %(tag)s") in [%(start)s, %(end)s), as of the stored samples: the stored rollup of a
    minute nobody owes, and an owed minute (historian_rollup_pending: stored since the drain
    last ran) recomputed from its samples by MINUTE_ROLLUPS — TimescaleDB's real-time
    aggregates, with owed minutes in place of one time watermark, since late data may land
    in any minute. One statement, so one snapshot: the drain commits a minute's removal from
    the owed ones with its new rollup."""
    return f"""(
    SELECT {ROLLUP_COLUMNS} FROM historian_rollup r
    WHERE r.tag_id {tags} AND r.bucket >= %(start)s AND r.bucket < %(end)s AND {_NOT_OWED}
    UNION ALL
    {_owed_recomputed(tags)}
)"""


def live_hours(tags: str) -> str:
    """The hour rollups of live_minutes' tags in [%(start)s, %(end)s) (whole hours), as of the
    stored samples: the stored hour where none of its minutes is owed, else its minutes as
    live_minutes gives them (merged_minutes merges minutes and hours alike)."""
    return f"""(
    WITH owed AS (
        SELECT DISTINCT tag_id, date_trunc('hour', bucket, 'UTC') AS hour
        FROM historian_rollup_pending
        WHERE tag_id {tags} AND bucket >= %(start)s AND bucket < %(end)s
    )
    SELECT {ROLLUP_COLUMNS} FROM historian_rollup_hour h
    WHERE h.tag_id {tags} AND h.bucket >= %(start)s AND h.bucket < %(end)s
      AND NOT EXISTS (SELECT FROM owed o WHERE o.tag_id = h.tag_id AND o.hour = h.bucket)
    UNION ALL
    SELECT r.* FROM owed o
    JOIN historian_rollup r ON r.tag_id = o.tag_id AND r.bucket >= o.hour
                           AND r.bucket < o.hour + INTERVAL '1 hour'
    WHERE {_NOT_OWED}
    UNION ALL
    {_owed_recomputed(tags)}
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
ROLLUP_TABLES = {"minute": "historian_rollup", "hour": "historian_rollup_hour"}


def rollups_per_bucket(
    level: str, bucket_number: str, columns: str = SUMMARY_COLUMNS, *, owed: bool = True
) -> str:
    """The rollups of one tag in [start, end) merged per output bucket inside PostgreSQL
    (merged_minutes), so Python sees one row per bucket (numbered from 1): SUMMARY_COLUMNS
    (k, n, sum, sumsq, min, min_ts, max, max_ts, first, first_ts, last, last_ts, int_linear,
    int_step, bad, uncertain) or PLOT_COLUMNS. With `owed` False (OWED found none), the
    stored rollups alone: the live query's plan costs milliseconds to make."""
    source = (
        LIVE_ROLLUPS[level]("= %(tag)s")
        if owed
        else f"(SELECT * FROM {ROLLUP_TABLES[level]} "
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


_FINITE_NUMBER = "value_num NOT IN ('NaN', 'Infinity', '-Infinity')"  # and so not NULL
_USABLE_AROUND = f"""SELECT ts, value_num AS v, quality = {Quality.BAD:d} AS bad
        FROM historian_sample
        WHERE tag_id = %(tag)s AND ts >= %(start)s AND ts < %(end)s AND {_FINITE_NUMBER}"""


def bad_samples_per_bucket(bucket_number: str) -> str:
    """What asking bad samples back adds to each output bucket's rollups (which summarise the
    samples that are not bad), one row per bucket holding a bad sample with a finite value, in
    SUMMARY_COLUMNS' shape up to the integrals: the bad samples' own summary (n, sum, sumsq,
    min, min_ts, max, max_ts, first, first_ts, last, last_ts) and the change they make to
    the bucket's integrals (int_linear, int_step). Rollups plus these exceptions answer as
    the raw rows reduced with bad samples (SUMMARIES_FROM_SAMPLES with include_bad), reading
    the bad samples (a partial index) and their neighbours instead of every row.

    The integrals sum the pieces between consecutive usable samples of a bucket. Bad samples
    come in runs (consecutive among the usable samples); a run adds the pieces from the
    sample before it, between its members and to the sample after it, and removes the one
    piece of the samples that are not bad it now splits: from the sample before the run to
    the sample after it. So each bad sample needs the usable sample after it (one index
    probe), and each run the one before it (one more). A piece counts where both its ends lie
    in one bucket, as in the merge of minutes (merged_minutes)."""
    k = bucket_number.format
    return f"""
WITH bad AS (
    SELECT ts, value_num AS v FROM historian_sample
    WHERE tag_id = %(tag)s AND ts >= %(start)s AND ts < %(end)s
      AND quality = {Quality.BAD:d} AND {_FINITE_NUMBER}
), followed AS (
    SELECT b.ts, b.v, n.ts AS n_ts, n.v AS n_v, n.bad AS n_bad,
           lag(n.ts) OVER (ORDER BY b.ts) IS DISTINCT FROM b.ts AS opens,
           lag(b.ts) OVER (ORDER BY b.ts) AS lag_ts, lag(b.v) OVER (ORDER BY b.ts) AS lag_v
    FROM bad b
    LEFT JOIN LATERAL ({_USABLE_AROUND} AND ts > b.ts ORDER BY ts LIMIT 1) n ON true
), numbered_runs AS (
    SELECT *, count(*) FILTER (WHERE opens) OVER (ORDER BY ts) AS run FROM followed
), runs AS (
    SELECT *, last_value(n_ts) OVER r AS a_ts, last_value(n_v) OVER r AS a_v
    FROM numbered_runs
    WINDOW r AS (PARTITION BY run ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING
                 AND UNBOUNDED FOLLOWING)
), opened AS (  -- each run: the usable sample before it (not bad) and the one after it
    SELECT r.run, p.ts AS p_ts, p.v AS p_v, r.a_ts, r.a_v
    FROM runs r
    LEFT JOIN LATERAL ({_USABLE_AROUND} AND ts < r.ts ORDER BY ts DESC LIMIT 1) p ON true
    WHERE r.opens
), pieces AS (
    SELECT o.p_ts AS t0, o.p_v AS v0, r.ts AS t1, r.v AS v1, 1 AS sign
    FROM runs r JOIN opened o USING (run) WHERE r.opens AND o.p_ts IS NOT NULL
    UNION ALL
    SELECT lag_ts, lag_v, ts, v, 1 FROM runs WHERE NOT opens
    UNION ALL
    SELECT ts, v, n_ts, n_v, 1 FROM runs WHERE NOT n_bad
    UNION ALL
    SELECT p_ts, p_v, a_ts, a_v, -1 FROM opened WHERE p_ts IS NOT NULL AND a_ts IS NOT NULL
), integrals AS (
    SELECT {k(at="t0")} AS k,
           sum(sign * (v0 + v1) / 2 * extract(epoch FROM t1 - t0)) AS int_linear,
           sum(sign * v0 * extract(epoch FROM t1 - t0)) AS int_step
    FROM pieces WHERE {k(at="t0")} = {k(at="t1")} GROUP BY 1
), numbered AS (
    SELECT {k(at="ts")} AS k, ts, v FROM bad
), extremes AS (
    SELECT k, min(v) AS vmin, max(v) AS vmax FROM numbered GROUP BY k
), summary AS (
    SELECT k, count(*)::integer AS n, sum(v) AS sum, sum(v * v) AS sumsq,
           min(v) AS min, min(ts) FILTER (WHERE v = vmin) AS min_ts,
           max(v) AS max, min(ts) FILTER (WHERE v = vmax) AS max_ts,
           first(v, ts) AS first, min(ts) AS first_ts, last(v, ts) AS last, max(ts) AS last_ts
    FROM numbered JOIN extremes USING (k) GROUP BY k
)
SELECT s.k, s.n, s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts, s.first, s.first_ts,
       s.last, s.last_ts, coalesce(i.int_linear, 0), coalesce(i.int_step, 0)
FROM summary s LEFT JOIN integrals i USING (k) ORDER BY s.k
"""


# The rows of one tag in [start, end) that raw reductions read (ts, value_num, quality): as
# stored, or with corrections applied (corrections=apply): the originals under a correction
# replaced by its values (each correction's values lie in its own [start, end); text values
# count as no number, as in Point.number).
STORED_ROWS = """(
    SELECT ts, value_num, quality FROM historian_sample
    WHERE tag_id = %(tag)s AND ts >= %(start)s AND ts < %(end)s
) AS r"""
# The values of the corrections of one tag that touch [start, end), as rows: the value as
# its tag stores it (a number — true/false as 1/0, NaN and ±inf from their text — or text)
# and the quality's code.
CORRECTION_VALUES = f"""
    SELECT (e ->> 'ts')::timestamptz AS ts,
           CASE WHEN NOT %(numeric)s THEN NULL
                WHEN jsonb_typeof(e -> 'value') = 'boolean'
                THEN CASE WHEN (e -> 'value')::boolean THEN 1 ELSE 0 END
                ELSE (e ->> 'value')::float8 END AS value_num,
           CASE WHEN NOT %(numeric)s THEN e ->> 'value' END AS value_text,
           (CASE e ->> 'quality' WHEN 'bad' THEN {Quality.BAD:d}
                                 WHEN 'uncertain' THEN {Quality.UNCERTAIN:d}
                                 ELSE {Quality.GOOD:d} END)::smallint AS quality
    FROM historian_correction c CROSS JOIN jsonb_array_elements(c."values") e
    WHERE c.tag_id = %(tag)s AND c.start < %(end)s AND c."end" > %(start)s
"""
# No correction of the tag covers the stored sample `s`.
UNCORRECTED = """NOT EXISTS (SELECT FROM historian_correction c
                      WHERE c.tag_id = %(tag)s AND s.ts >= c.start AND s.ts < c."end")"""
CORRECTED_ROWS = f"""(
    SELECT ts, value_num, quality FROM historian_sample s
    WHERE tag_id = %(tag)s AND ts >= %(start)s AND ts < %(end)s AND {UNCORRECTED}
    UNION ALL
    SELECT ts, value_num, quality FROM ({CORRECTION_VALUES}) AS v
    WHERE ts >= %(start)s AND ts < %(end)s
) AS r"""


# Plot intervals straight from the raw rows, reduced in PostgreSQL (TimescaleDB's first and
# last): used where rollups cannot answer (the ends of a window off whole minutes, corrected
# stretches, text tags, rollups switched off).
# Every aggregate takes plain types, so PostgreSQL may split it across parallel workers (an
# anonymous record, as in first(ts, (v, ts)), cannot be passed between them); the time of the
# minimum (maximum) is the earliest time at that value, as in the rollups.
def plot_rows(rows: str = STORED_ROWS) -> str:
    return f"""
    SELECT floor(extract(epoch FROM ts - %(origin)s) / %(step)s)::integer + 1 AS k, ts,
           value_num AS v, quality,
           (value_num IS NOT NULL AND value_num NOT IN ('NaN', 'Infinity', '-Infinity')
            AND (quality <> {Quality.BAD:d} OR %(include_bad)s)) AS usable
    FROM {rows}
"""


PLOT_ROWS = plot_rows()
PLOT_AGGREGATES = f"""
       count(*) FILTER (WHERE usable),
       first(v, ts) FILTER (WHERE usable), min(ts) FILTER (WHERE usable),
       last(v, ts) FILTER (WHERE usable), max(ts) FILTER (WHERE usable),
       min(v) FILTER (WHERE usable), min(ts) FILTER (WHERE usable AND v = vmin),
       max(v) FILTER (WHERE usable), min(ts) FILTER (WHERE usable AND v = vmax),
       count(*) FILTER (WHERE quality = {Quality.BAD:d}),
       count(*) FILTER (WHERE quality = {Quality.UNCERTAIN:d})
"""


def plot_from(rows: str) -> str:
    """Plot intervals of `rows`: k, n, first, first_ts, last, last_ts, min, min_ts, max,
    max_ts, bad, uncertain."""
    return f"""
WITH rows AS ({plot_rows(rows)}), extremes AS (
    SELECT k, min(v) FILTER (WHERE usable) AS vmin, max(v) FILTER (WHERE usable) AS vmax
    FROM rows GROUP BY k
)
SELECT k, {PLOT_AGGREGATES}
FROM rows JOIN extremes USING (k) GROUP BY k ORDER BY k
"""


PLOT_FROM_SAMPLES = plot_from(STORED_ROWS)
PLOT_CORRECTED = plot_from(CORRECTED_ROWS)


# Aggregate buckets straight from the rows, where rollups cannot answer (the ends of a window
# off whole minutes, corrected stretches, text tags): one row per bucket in SUMMARY_COLUMNS'
# shape, the bucket numbered from 1 among %(edges)s, with the arithmetic of MINUTE_ROLLUPS
# (and of Summary.merge over the points): usable samples summarised, integrals between consecutive
# usable samples of the bucket, every bad sample counted, uncertain ones where usable.
def summaries_from(rows: str) -> str:
    return f"""
WITH samples AS (
    SELECT width_bucket(ts, %(edges)s::timestamptz[]) AS k, ts, value_num AS v, quality,
           (value_num IS NOT NULL AND value_num NOT IN ('NaN', 'Infinity', '-Infinity')
            AND (quality <> {Quality.BAD:d} OR %(include_bad)s)) AS usable
    FROM {rows}
), usable AS (
    SELECT k, ts, v, lead(ts) OVER w AS next_ts, lead(v) OVER w AS next_v
    FROM samples WHERE usable
    WINDOW w AS (PARTITION BY k ORDER BY ts)
), extremes AS (
    SELECT k, min(v) AS vmin, max(v) AS vmax FROM usable GROUP BY k
), summary AS (
    -- TimescaleDB's first and last, and the extremes' times by filter: no per-bucket sorts.
    SELECT k, count(*)::integer AS n, sum(v) AS sum, sum(v * v) AS sumsq,
           min(v) AS min, min(ts) FILTER (WHERE v = vmin) AS min_ts,
           max(v) AS max, min(ts) FILTER (WHERE v = vmax) AS max_ts,
           first(v, ts) AS first, min(ts) AS first_ts, last(v, ts) AS last, max(ts) AS last_ts,
           coalesce(sum((v + next_v) / 2 * extract(epoch FROM next_ts - ts)), 0) AS int_linear,
           coalesce(sum(v * extract(epoch FROM next_ts - ts)), 0) AS int_step
    FROM usable JOIN extremes USING (k) GROUP BY k
), counts AS (
    SELECT k, count(*) FILTER (WHERE quality = {Quality.BAD:d})::integer AS bad_count,
           count(*) FILTER (WHERE quality = {Quality.UNCERTAIN:d} AND usable)::integer
             AS uncertain_count
    FROM samples GROUP BY k
)
SELECT c.k, coalesce(s.n, 0), s.sum, s.sumsq, s.min, s.min_ts, s.max, s.max_ts,
       s.first, s.first_ts, s.last, s.last_ts, s.int_linear, s.int_step, c.bad_count,
       c.uncertain_count
FROM counts c LEFT JOIN summary s USING (k) ORDER BY c.k
"""


SUMMARIES_FROM_SAMPLES = summaries_from(STORED_ROWS)
SUMMARIES_CORRECTED = summaries_from(CORRECTED_ROWS)


# Interpolation probes: for each moment of %(times)s, the last usable sample at or before it
# and the first after it — two index probes a moment, however many rows lie between (long
# windows at coarse intervals). Usable as in neighbour(): not bad (unless asked), a value,
# finite.
_PROBE = (
    "SELECT ts, value_num, value_text, quality, false AS corrected FROM historian_sample s "
    f"WHERE tag_id = %(tag)s AND (%(include_bad)s OR quality <> {Quality.BAD:d}) {FINITE}"
)
INTERPOLATION_PROBES = f"""
SELECT g.at, b.ts, b.value_num, b.value_text, b.quality, b.corrected,
       a.ts, a.value_num, a.value_text, a.quality, a.corrected
FROM unnest(%(times)s::timestamptz[]) AS g(at)
LEFT JOIN LATERAL ({_PROBE} AND ts <= g.at ORDER BY ts DESC LIMIT 1) b ON true
LEFT JOIN LATERAL ({_PROBE} AND ts > g.at ORDER BY ts LIMIT 1) a ON true
ORDER BY g.at
"""
# The same with corrections applied inside [start, end): there, a stored sample that a
# correction covers gives way to the correction's values; outside, the stored samples
# stand (as in the walk over the rows, modes._walked).
_VALUE_PROBE = (
    "SELECT ts, value_num, value_text, quality, true FROM corrected_values "
    f"WHERE (%(include_bad)s OR quality <> {Quality.BAD:d}) {FINITE}"
)
INTERPOLATION_PROBES_CORRECTED = f"""
WITH corrected_values AS MATERIALIZED ({CORRECTION_VALUES})
SELECT g.at, b.ts, b.value_num, b.value_text, b.quality, b.corrected,
       a.ts, a.value_num, a.value_text, a.quality, a.corrected
FROM unnest(%(times)s::timestamptz[]) AS g(at)
LEFT JOIN LATERAL (
    SELECT * FROM (
        ({_PROBE} AND ts <= g.at AND (ts < %(start)s OR {UNCORRECTED})
         ORDER BY ts DESC LIMIT 1)
        UNION ALL
        ({_VALUE_PROBE} AND ts <= g.at AND ts >= %(start)s ORDER BY ts DESC LIMIT 1)
    ) AS x ORDER BY ts DESC LIMIT 1
) b ON true
LEFT JOIN LATERAL (
    SELECT * FROM (
        ({_PROBE} AND ts > g.at AND (ts >= %(end)s OR {UNCORRECTED}) ORDER BY ts LIMIT 1)
        UNION ALL
        ({_VALUE_PROBE} AND ts > g.at AND ts < %(end)s ORDER BY ts LIMIT 1)
    ) AS x ORDER BY ts LIMIT 1
) a ON true
ORDER BY g.at
"""


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
