"""Frozen (v4): rollups with the bad samples. Never edited (historian/frozen/__init__).

Rollups summarise the samples that are not bad (v1). A read asking bad samples back added
them to the rollups (v3's partial index found them), at two index probes per bad sample for
the usable samples beside it: 29 times the rollups' own time for a month of 1 Hz samples
with 0.1 % bad ones. Instead, the one writer now also keeps, for every minute and hour that
holds a bad sample, its summary with the bad samples' values counted in
(`historian_rollup_all`, `historian_rollup_hour_all`, shaped as the rollups). A read asking
bad samples back takes that row where there is one and the plain rollup elsewhere: where a
minute or hour holds no bad sample, the two summaries are the same. The partial index is
dropped (nothing reads it any more).

The writer recomputes the same (tag, minute) pairs as before, then replaces their rows with
bad samples, then their hours' (made from the minutes with bad samples where they have
them): whoever calls it can still only make the rollups agree with the raw rows.
"""

from __future__ import annotations

from historian.frozen import v1

TABLES = r"""
CREATE TABLE historian_rollup_all (LIKE historian_rollup INCLUDING ALL);
CREATE TABLE historian_rollup_hour_all (LIKE historian_rollup INCLUDING ALL);
"""

# The minute rollups of v1 with bad samples' values counted in (what makes a sample usable:
# a finite value, whatever its quality).
MINUTE_ROLLUPS_ALL = v1.MINUTE_ROLLUPS.replace(
    "(s.quality <> 2 AND s.value_num IS NOT NULL", "(s.value_num IS NOT NULL"
)

# The minutes whose summary with bad samples an hour is made from: the row with bad samples
# where the minute holds any, else the plain rollup (the same summary).
MINUTES_ALL = (
    "(SELECT * FROM historian_rollup_all UNION ALL "
    "SELECT * FROM historian_rollup WHERE bad_count = 0) AS minutes_all"
)

_PAIRS = "SELECT DISTINCT t.tag_id, t.bucket FROM unnest(tags, buckets) AS t(tag_id, bucket)"
_HOURS = (
    "SELECT DISTINCT t.tag_id, date_trunc('hour', t.bucket) AS hour "
    "FROM unnest(tags, buckets) AS t(tag_id, bucket)"
)
_BAD_MINUTES = (
    f"SELECT r.tag_id, r.bucket FROM historian_rollup r JOIN ({_PAIRS}) w "
    "USING (tag_id, bucket) WHERE r.bad_count > 0"
)
_BAD_HOURS = (
    f"SELECT r.tag_id, r.bucket AS hour FROM historian_rollup_hour r JOIN ({_HOURS}) w "
    "ON w.tag_id = r.tag_id AND w.hour = r.bucket WHERE r.bad_count > 0"
)

REFRESH_FUNCTION = (
    v1.REFRESH_FUNCTION.removesuffix("$fn$;\n")
    + f"""DELETE FROM historian_rollup_all r USING ({_PAIRS}) w
 WHERE r.tag_id = w.tag_id AND r.bucket = w.bucket;
INSERT INTO historian_rollup_all
"""
    + MINUTE_ROLLUPS_ALL.format(wanted=_BAD_MINUTES)
    + f""";
DELETE FROM historian_rollup_hour_all r USING ({_HOURS}) w
 WHERE r.tag_id = w.tag_id AND r.bucket = w.hour;
INSERT INTO historian_rollup_hour_all
"""
    + v1.HOUR_ROLLUPS.format(wanted=_BAD_HOURS, minute_table=MINUTES_ALL)
    + ";\n$fn$;\n"
)

# Minutes already drained that hold a bad sample are owed again, so the drain writes their
# rows with bad samples (reads recompute owed minutes meanwhile, so they stay exact).
OWE_BAD_MINUTES = r"""
INSERT INTO historian_rollup_pending (tag_id, bucket)
SELECT DISTINCT tag_id, bucket FROM historian_rollup WHERE bad_count > 0;
"""
