"""Batch-record reads: lines and lots, master records, batches, executed steps, deviations."""

from ebr.selectors.batches import (
    BATCH_MOVES,
    batch_detail_json,
    batch_json,
    batch_page,
    batches,
    batches_page,
    effective_records,
)
from ebr.selectors.deviations import (
    deviation_json,
    deviation_page,
    deviation_signatures,
    deviations,
)
from ebr.selectors.diversion import deviation_diversion, diversion, diversion_exceptions
from ebr.selectors.execution import (
    entry_json,
    entry_signatures,
    execution_page,
    steps_json,
    verification_queue,
)
from ebr.selectors.genealogy import (
    NoRtdModel,
    feed_json,
    feed_until,
    feeds,
)
from ebr.selectors.genealogy import backward as genealogy_backward
from ebr.selectors.genealogy import forward as genealogy_forward
from ebr.selectors.genealogy_pages import backward_page, forward_page
from ebr.selectors.genealogy_pages import targets as genealogy_targets
from ebr.selectors.lines_and_lots import (
    DISPOSITIONS,
    fed_lots,
    line_feeders,
    line_json,
    line_tags,
    lines,
    lines_and_lots_page,
    lot_dispositions,
    lot_json,
    lots,
    numeric_line_tags,
)
from ebr.selectors.master_records import (
    MOVES,
    diff_rows,
    master_json,
    master_list_page,
    master_page,
    master_records,
    master_signatures,
)
from ebr.selectors.review import (
    batch_exceptions,
    disposition_json,
    release_blockers,
    review_json,
)
from ebr.selectors.review_pages import batch_review_page, review_queue
from ebr.selectors.rtd_fit import rtd_fit_from_tags
from ebr.selectors.rtd_models import rtd_json, rtd_model_at, rtd_models
from ebr.selectors.signed import signature_json

__all__ = [
    "BATCH_MOVES",
    "DISPOSITIONS",
    "MOVES",
    "NoRtdModel",
    "backward_page",
    "batch_detail_json",
    "batch_exceptions",
    "batch_json",
    "batch_page",
    "batch_review_page",
    "batches",
    "batches_page",
    "deviation_diversion",
    "deviation_json",
    "deviation_page",
    "deviation_signatures",
    "deviations",
    "diff_rows",
    "disposition_json",
    "diversion",
    "diversion_exceptions",
    "effective_records",
    "entry_json",
    "entry_signatures",
    "execution_page",
    "fed_lots",
    "feed_json",
    "feed_until",
    "feeds",
    "forward_page",
    "genealogy_backward",
    "genealogy_forward",
    "genealogy_targets",
    "line_feeders",
    "line_json",
    "line_tags",
    "lines",
    "lines_and_lots_page",
    "lot_dispositions",
    "lot_json",
    "lots",
    "master_json",
    "master_list_page",
    "master_page",
    "master_records",
    "master_signatures",
    "numeric_line_tags",
    "release_blockers",
    "review_json",
    "review_queue",
    "rtd_fit_from_tags",
    "rtd_json",
    "rtd_model_at",
    "rtd_models",
    "signature_json",
    "steps_json",
    "verification_queue",
]
