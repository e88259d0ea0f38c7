"""The historian's audited tables. Samples are not captured row by row: each ingest batch's
digest in the chain covers them, and the hypertable refuses change."""

from audit.catalogue import AuditedTable
from historian.models import Correction

AUDITED_TABLES = [
    AuditedTable("historian_equipment", history_table="historian_equipment_history"),
    AuditedTable("historian_equipment_history", capture=False, append_only=True),
    AuditedTable("historian_tag", history_table="historian_tag_history", never_deleted=True),
    AuditedTable("historian_tag_history", capture=False, append_only=True),
    AuditedTable(
        "historian_ingest_batch", never_deleted=True, triggers=("historian_ingest_batch_stamp",)
    ),
    AuditedTable("historian_annotation"),
    AuditedTable("historian_trend_display"),
    AuditedTable("historian_correction", signed_fields=Correction.signed_fields),
    AuditedTable(
        "historian_sample",
        capture=False,
        append_only=True,
        hypertable=True,
        triggers=("historian_sample_accepted",),
    ),
    AuditedTable(
        "historian_ingest_permit",
        capture=False,
        append_only=True,
        triggers=("historian_ingest_permit_stamp", "historian_ingest_permit_batch"),
    ),
]
