"""The historian's SQL at run time, in one place (rollups.py, rows.py, lines.py): the rollup
builders and the reads.

The rollup builders are what historian_verify recomputes minute and hour rollups with; they
must equal what the installed writer (historian_refresh_rollups, historian/frozen/v1.py)
computes: tests/historian/test_runtime_role.py checks that the two texts agree. The reads
(historian.selectors) summarise rollups with the same merge (`merged_minutes`).
Quality codes appear by name (historian.quality), never as bare numbers.
"""

from historian.sql.lines import (
    BLOCK_MEANS_MINUTES,
    BLOCK_MEANS_RAW,
    CHANGES,
    EXCURSION_MINUTES,
    EXCURSIONS,
)
from historian.sql.rollups import (
    BY_EDGES,
    BY_STEP,
    HOUR_ROLLUPS,
    LIVE_ROLLUPS,
    MINUTE_ROLLUPS,
    OWED,
    PLOT_COLUMNS,
    ROLLUP_COLUMNS,
    ROLLUP_TABLES,
    SUMMARY_COLUMNS,
    UPSERT_ROLLUP,
    bad_samples_per_bucket,
    live_hours,
    live_minutes,
    merged_minutes,
    rollups_per_bucket,
)
from historian.sql.rows import (
    CORRECTED_ROWS,
    CORRECTION_VALUES,
    FINITE,
    INTERPOLATION_PROBES,
    INTERPOLATION_PROBES_CORRECTED,
    NOT_BAD,
    PLOT_AGGREGATES,
    PLOT_CORRECTED,
    PLOT_FROM_SAMPLES,
    PLOT_ROWS,
    SAMPLE_SELECT,
    STORED_ROWS,
    SUMMARIES_CORRECTED,
    SUMMARIES_FROM_SAMPLES,
    UNCORRECTED,
    plot_from,
    plot_rows,
    summaries_from,
)

__all__ = [
    "BLOCK_MEANS_MINUTES", "BLOCK_MEANS_RAW", "BY_EDGES", "BY_STEP", "CHANGES",
    "CORRECTED_ROWS", "CORRECTION_VALUES", "EXCURSIONS", "EXCURSION_MINUTES", "FINITE",
    "HOUR_ROLLUPS", "INTERPOLATION_PROBES", "INTERPOLATION_PROBES_CORRECTED", "LIVE_ROLLUPS",
    "MINUTE_ROLLUPS", "NOT_BAD", "OWED", "PLOT_AGGREGATES", "PLOT_COLUMNS", "PLOT_CORRECTED",
    "PLOT_FROM_SAMPLES", "PLOT_ROWS", "ROLLUP_COLUMNS", "ROLLUP_TABLES", "SAMPLE_SELECT",
    "STORED_ROWS", "SUMMARIES_CORRECTED", "SUMMARIES_FROM_SAMPLES", "SUMMARY_COLUMNS",
    "UNCORRECTED", "UPSERT_ROLLUP", "bad_samples_per_bucket", "live_hours", "live_minutes",
    "merged_minutes", "plot_from", "plot_rows", "rollups_per_bucket", "summaries_from",
]  # fmt: skip
