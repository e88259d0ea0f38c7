"""Electronic batch records: lines and lots, master records, batches, executed steps,
deviations, review by exception. Every table here is a GxP record, audited row by row."""

from ebr.models.batches import BATCH_STATES, Batch, BatchStatus, TsTzRange
from ebr.models.deviations import (
    DEVIATION_STATES,
    Deviation,
    DeviationKind,
    DeviationStatus,
    Severity,
)
from ebr.models.execution import StepEntry, StepVerification
from ebr.models.lines_and_lots import (
    LOT_STATES,
    EbrCapability,
    Feed,
    Line,
    LotStatus,
    MaterialLot,
    RtdModelVersion,
)
from ebr.models.master_records import (
    MASTER_STATES,
    UNFINISHED,
    BatchDefinition,
    MasterRecord,
    MasterStatus,
)
from ebr.models.review import ExceptionKind, ExceptionReview

__all__ = [
    "BATCH_STATES",
    "DEVIATION_STATES",
    "LOT_STATES",
    "MASTER_STATES",
    "UNFINISHED",
    "Batch",
    "BatchDefinition",
    "BatchStatus",
    "Deviation",
    "DeviationKind",
    "DeviationStatus",
    "EbrCapability",
    "ExceptionKind",
    "ExceptionReview",
    "Feed",
    "Line",
    "LotStatus",
    "MasterRecord",
    "MasterStatus",
    "MaterialLot",
    "RtdModelVersion",
    "Severity",
    "StepEntry",
    "StepVerification",
    "TsTzRange",
]
