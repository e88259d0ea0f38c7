"""The LIMS bridge's audited tables (DESIGN.md, "Audit trail"): results append-only; a
transfer's original file recorded as its digest, its progress left out."""

from audit.catalogue import AuditedTable

AUDITED_TABLES = [
    AuditedTable("lims_sample", never_deleted=True),
    AuditedTable("lims_result", append_only=True),
    AuditedTable("lims_column_mapping", never_deleted=True),
    AuditedTable("lims_transfer", masked=("content",), ignored=("progress",), never_deleted=True),
]
