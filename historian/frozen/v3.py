"""Frozen (v3): the bad samples indexed apart. Never edited (historian/frozen/__init__).

Rollups summarise the samples that are not bad. A read that asks bad samples back adds them
to the rollups (historian/sql/rollups.py `bad_samples_per_bucket`) instead of reducing every stored
row: this partial index finds a tag's bad samples in a window without reading the others.
Quality 2 is bad (historian.quality.Quality.BAD). Chunks inherit the hypertable's indexes.
"""

from __future__ import annotations

BAD_SAMPLES_INDEX = r"""
CREATE INDEX historian_sample_bad ON historian_sample (tag_id, ts) WHERE quality = 2;
"""
