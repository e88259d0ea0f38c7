"""Batch-record pages: lines and lots, master records, batches, the shop floor, deviations."""

from ebr.views.batches import batch_detail, batch_list, batch_move, batch_plan
from ebr.views.deviations import deviation_detail, deviation_list, deviation_move, deviation_new
from ebr.views.execution import batch_execute, entry_new, entry_verify, verify_queue
from ebr.views.genealogy import genealogy, line_rtd, line_rtd_save
from ebr.views.lines_and_lots import lines_and_lots, lot_disposition, lot_receive
from ebr.views.master_records import (
    master_detail,
    master_diff,
    master_list,
    master_move,
    master_new,
    master_next,
)
from ebr.views.review import batch_disposition, batch_review, exception_review, review_queue

__all__ = [
    "batch_detail",
    "batch_disposition",
    "batch_execute",
    "batch_list",
    "batch_move",
    "batch_plan",
    "batch_review",
    "deviation_detail",
    "deviation_list",
    "deviation_move",
    "deviation_new",
    "entry_new",
    "entry_verify",
    "exception_review",
    "genealogy",
    "line_rtd",
    "line_rtd_save",
    "lines_and_lots",
    "lot_disposition",
    "lot_receive",
    "master_detail",
    "master_diff",
    "master_list",
    "master_move",
    "master_new",
    "master_next",
    "review_queue",
    "verify_queue",
]  # fmt: skip
