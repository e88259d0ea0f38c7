"""Typed reads of the sample store (API.md, "Historian"): what the API, the batch record and
the reports all call.

    from historian import reads
    series = reads.read(tag, reads.ReadSpec(start=..., end=..., mode="aggregate",
                                            interval=timedelta(hours=1), aggregates=("twa",)))

In: a ReadSpec of datetimes and numbers (spec.py). Out: dataclasses of datetimes and numbers
(modes.py), from the stored rows (rows.py) or their rollups (buckets.py, summary.py), with the
SQL in historian/sql.py. The query string and the JSON are the API's (historian/api/reads.py).
"""

from __future__ import annotations

from historian.reads.buckets import rollups_disabled
from historian.reads.modes import (
    AggregateSeries,
    Bucket,
    InterpolatedSeries,
    PlotInterval,
    PlotSeries,
    RawSeries,
    Series,
    read,
)
from historian.reads.rows import Point, current
from historian.reads.spec import AGGREGATES, MODES, ReadSpec

__all__ = [
    "AGGREGATES",
    "MODES",
    "AggregateSeries",
    "Bucket",
    "InterpolatedSeries",
    "PlotInterval",
    "PlotSeries",
    "Point",
    "RawSeries",
    "ReadSpec",
    "Series",
    "current",
    "read",
    "rollups_disabled",
]
