"""The batch records' audited tables (DESIGN.md, "Audit trail")."""

from audit.catalogue import AuditedTable
from ebr.models import (
    Batch,
    Deviation,
    ExceptionReview,
    MasterRecord,
    MaterialLot,
    StepEntry,
    StepVerification,
)

AUDITED_TABLES = [
    AuditedTable("ebr_line", never_deleted=True),
    AuditedTable("ebr_material_lot", signed_fields=MaterialLot.signed_fields, never_deleted=True),
    AuditedTable("ebr_master_record", signed_fields=MasterRecord.signed_fields, never_deleted=True),
    AuditedTable("ebr_batch", signed_fields=Batch.signed_fields, never_deleted=True),
    AuditedTable("ebr_deviation", signed_fields=Deviation.signed_fields, never_deleted=True),
    AuditedTable("ebr_step_entry", signed_fields=StepEntry.signed_fields, append_only=True),
    AuditedTable(
        "ebr_step_verification", signed_fields=StepVerification.signed_fields, append_only=True
    ),
    AuditedTable(
        "ebr_exception_review", signed_fields=ExceptionReview.signed_fields, append_only=True
    ),
    AuditedTable("ebr_rtd_model", append_only=True),
    AuditedTable("ebr_feed", append_only=True),
]
