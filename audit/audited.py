"""The audit app's own tables: the chain, signatures, checkpoints and keys are append-only;
reviews are audited and signable."""

from audit.catalogue import AuditedTable
from audit.models import AuditReview

AUDITED_TABLES = [
    AuditedTable(
        "audit_event",
        capture=False,
        append_only=True,
        triggers=(
            "audit_event_seal_only",
            "audit_event_sealed_at_commit",
            "audit_event_unsealed_insert",
        ),
    ),
    AuditedTable("audit_signature", capture=False, append_only=True),
    AuditedTable("audit_checkpoint", capture=False, append_only=True),
    AuditedTable("audit_signing_key", capture=False, append_only=True),
    AuditedTable("audit_review", signed_fields=AuditReview.signed_fields),
]
