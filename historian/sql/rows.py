"""Reads of the stored rows in SQL: single samples, the rows of a window as stored or with
corrections applied, plot intervals and aggregate buckets reduced from them, and the
interpolation probes."""

from __future__ import annotations

from historian.quality import Quality

SAMPLE_SELECT = "SELECT ts, value_num, value_text, quality FROM historian_sample WHERE tag_id = %s "
NOT_BAD = f"AND quality <> {Quality.BAD:d} "
# A sample with a value to interpolate from or towards.
FINITE = (
    "AND (value_num IS NULL OR value_num NOT IN ('NaN', 'Infinity', '-Infinity')) "
    "AND (value_num IS NOT NULL OR value_text IS NOT NULL) "
)


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
