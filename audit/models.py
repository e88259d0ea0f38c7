"""The audit chain: one ordered, hash-chained stream of every GxP event."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.functions import Now


class AuditAction(models.TextChoices):
    INSERT = "insert", "Insert"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    SECURITY = "security", "Security"
    SIGNATURE = "signature", "Signature"
    CHECKPOINT = "checkpoint", "Checkpoint"
    INGEST = "ingest", "Ingest"
    REVIEW = "review", "Review"


class AuditEvent(models.Model):
    """An append-only audit event.

    Written unsealed (seq, prev_hash and hash empty); sealed before commit by
    `audit.chain.seal_pending`, which numbers it gaplessly and hashes it over
    its canonical content and the previous event's hash.
    """

    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField(db_default=Now())
    txid = models.BigIntegerField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    table_name = models.CharField(max_length=100)
    record_pk = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # NULL until sealed: the seal-only trigger allows exactly NULL → filled.
    prev_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        db_table = "audit_event"
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["table_name", "record_pk"], name="audit_event_record_idx"),
            models.Index(fields=["actor_username"], name="audit_event_actor_idx"),
            models.Index(fields=["occurred_at"], name="audit_event_time_idx"),
        ]
        permissions = [
            ("view_audit_trail", "Read and export the audit trail"),
            ("verify_audit_trail", "Start a verification of the audit chain"),
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.table_name}:{self.record_pk}"

    def as_chain_dict(self) -> dict[str, Any]:
        """The event's fields as the canonical function names them."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at,
            "actor": {"id": self.actor_id, "username": self.actor_username},
            "action": self.action,
            "table": self.table_name,
            "pk": self.record_pk,
            "changes": self.changes,
            "reason": self.reason,
            "request_id": self.request_id,
            "prev_hash": self.prev_hash,
        }
