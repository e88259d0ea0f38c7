"""The reports' audited table: each document's row (its PDF recorded as a digest, its progress
left out); the `report` event beside it names the file's SHA-256."""

from audit.catalogue import AuditedTable

AUDITED_TABLES = [
    AuditedTable("reports_document", masked=("pdf",), ignored=("progress",), never_deleted=True),
]
