"""The historian's reads (STYLE.md: writes through services, reads through selectors).

Typed reads of the sample store (API.md, "Historian"), what the API, the batch record and the
reports all call:

    from historian import selectors
    series = selectors.read(tag, selectors.ReadSpec(start=..., end=..., mode="aggregate",
                                                interval=timedelta(hours=1), aggregates=("twa",)))

In: a ReadSpec of datetimes and numbers (spec.py). Out: dataclasses of datetimes and numbers
(modes.py), from the stored rows (rows.py) or their rollups (buckets.py, summary.py), with the
SQL in historian/sql/. The query string and the JSON are the API's (historian/api/values.py).

The pages' reads (pages.py): the tag browser's list, latest values and equipment tree.
"""

from __future__ import annotations

from historian.selectors.blocks import Change, Grid, block_means, changes
from historian.selectors.buckets import rollups_disabled
from historian.selectors.excursions import Excursion, excursions
from historian.selectors.modes import (
    AggregateSeries,
    Bucket,
    InterpolatedSeries,
    PlotInterval,
    PlotSeries,
    RawSeries,
    Series,
    read,
)
from historian.selectors.pages import (
    display_json,
    displays_of,
    equipment_tree,
    latest_values,
    tag_list,
    trend_request,
)
from historian.selectors.rows import Point, current
from historian.selectors.spec import AGGREGATES, MODES, ReadSpec

__all__ = [
    "AGGREGATES",
    "MODES",
    "AggregateSeries",
    "Bucket",
    "Change",
    "Excursion",
    "Grid",
    "InterpolatedSeries",
    "PlotInterval",
    "PlotSeries",
    "Point",
    "RawSeries",
    "ReadSpec",
    "Series",
    "block_means",
    "changes",
    "current",
    "display_json",
    "displays_of",
    "equipment_tree",
    "excursions",
    "latest_values",
    "read",
    "rollups_disabled",
    "tag_list",
    "trend_request",
]
