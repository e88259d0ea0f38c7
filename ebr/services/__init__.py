"""Batch-record use cases (writes): one function per use case, each audited in its own
transaction; signed actions re-authenticate the signer first."""

from ebr.services.batches import (
    batch_create,
    batch_move_end,
    batch_transition,
    close_filled_batches,
    outlet_mass,
)
from ebr.services.deviations import deviation_raise, deviation_transition
from ebr.services.execution import entry_record, entry_verify
from ebr.services.feeds import feed_charge
from ebr.services.lines_and_lots import (
    line_create,
    lot_check_usable,
    lot_create,
    lot_dispose,
)
from ebr.services.master_records import (
    master_create,
    master_transition,
    master_update,
)
from ebr.services.review import batch_dispose, exception_review
from ebr.services.rtd_models import rtd_model_create

__all__ = [
    "batch_create",
    "batch_dispose",
    "batch_move_end",
    "batch_transition",
    "close_filled_batches",
    "deviation_raise",
    "deviation_transition",
    "entry_record",
    "entry_verify",
    "exception_review",
    "feed_charge",
    "line_create",
    "lot_check_usable",
    "lot_create",
    "lot_dispose",
    "master_create",
    "master_transition",
    "master_update",
    "outlet_mass",
    "rtd_model_create",
]
