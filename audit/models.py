"""The audit chain: one ordered, hash-chained stream of every GxP event."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from core.states import StateMachine


class AuditAction(models.TextChoices):
    INSERT = "insert", "Insert"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    SECURITY = "security", "Security"
    SIGNATURE = "signature", "Signature"
    CHECKPOINT = "checkpoint", "Checkpoint"
    INGEST = "ingest", "Ingest"
    REVIEW = "review", "Review"
    CATALOGUE = "catalogue", "Catalogue"
    REPORT = "report", "Report"


class AuditEvent(models.Model):
    """An append-only audit event.

    Written unsealed (seq, prev_hash and hash empty); sealed before commit by
    `audit.chain.seal_pending`, which numbers it gaplessly and hashes it over
    its canonical content and the previous event's hash.
    """

    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField(db_default=Now())
    txid = models.BigIntegerField()
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
            # Only unsealed events are looked up by transaction: a sealed event leaves it.
            models.Index(
                fields=["txid"],
                name="audit_event_unsealed_idx",
                condition=models.Q(seq__isnull=True),
            ),
        ]
        permissions = [
            ("view_audit_trail", "Read and export the audit trail"),
            ("verify_audit_trail", "Start a verification of the audit chain"),
            ("sign_records", "Sign records electronically"),
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


class SigningKey(models.Model):
    """A server Ed25519 public key. A rotated-in key carries its predecessor's endorsement."""

    key_id = models.CharField(max_length=32, primary_key=True)
    public_key_pem = models.TextField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "audit_signing_key"
        ordering = ["created_at"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.key_id


class Checkpoint(models.Model):
    """A signed statement of the chain head (Certificate Transparency's signed tree head).

    `payload` is what was signed; the first checkpoint of a rotated-in key is
    also signed by the previous key (`endorsement`). Each checkpoint enters the
    chain as a `checkpoint` event carrying the same content.
    """

    head_seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=32)
    public_key_pem = models.TextField()
    signature = models.CharField(max_length=128)
    previous_key_id = models.CharField(max_length=32, blank=True)
    endorsement = models.CharField(max_length=128, blank=True)
    created_by = models.CharField(max_length=150)
    # The checkpoint cadence in force (seconds), so the chain says how often to expect one.
    cadence_seconds = models.IntegerField(default=0)

    class Meta:
        db_table = "audit_checkpoint"
        ordering = ["id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"checkpoint {self.head_seq} ({self.key_id})"


class SignatureMeaning(models.TextChoices):
    PERFORMED = "performed", "Performed"
    VERIFIED = "verified", "Verified"
    REVIEWED = "reviewed", "Reviewed"
    APPROVED = "approved", "Approved"
    RELEASED = "released", "Released"
    REJECTED = "rejected", "Rejected"


class Signature(models.Model):
    """An electronic signature (21 CFR 11.50, 11.70): append-only, sealed by the server key.

    It names the signed record (table, primary key, version) and the SHA-256 of
    that record's canonical content over `signed_fields`, so editing the record
    or moving the signature is detected by verification.
    """

    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_username = models.CharField(max_length=150)
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=16, choices=SignatureMeaning.choices)
    reason = models.TextField()
    signed_at = models.DateTimeField()
    record_table = models.CharField(max_length=100)
    record_pk = models.CharField(max_length=200)
    record_version = models.IntegerField(default=1)
    signed_fields = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32)
    server_signature = models.CharField(max_length=128)

    class Meta:
        db_table = "audit_signature"
        ordering = ["signed_at", "id"]
        indexes = [models.Index(fields=["record_table", "record_pk"], name="audit_sig_record_idx")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.printed_name} — {self.meaning} — {self.record_table}:{self.record_pk}"


class AuditReview(models.Model):
    """A reviewer's record that they reviewed a range of the trail (Annex 11 §9), signed."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    from_seq = models.BigIntegerField()
    to_seq = models.BigIntegerField()
    filters = models.JSONField(default=dict)
    event_count = models.IntegerField()
    note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(db_default=Now())

    signed_fields = ("id", "reviewer_id", "from_seq", "to_seq", "filters", "event_count", "note")

    class Meta:
        db_table = "audit_review"
        ordering = ["-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"review {self.from_seq}–{self.to_seq} by {self.reviewer_id}"


class VerificationRun(models.Model):
    """One run of the full verification: queued, running, then ok, failed or error
    (`VERIFICATION_STATES`)."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        OK = "ok"
        FAILED = "failed"
        ERROR = "error"

    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField(db_default=Now())
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    events = models.BigIntegerField(null=True, blank=True)
    head = models.CharField(max_length=64, blank=True)
    first_bad = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    # "anchored: …" (checked against the witness journal) or "not anchored: …"
    anchoring = models.TextField(blank=True)
    progress = models.FloatField(default=0.0)

    class Meta:
        db_table = "audit_verification_run"
        ordering = ["-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"verification {self.pk}: {self.status}"


# queued → running → ok | failed | error; a run that could not start ends in error.
VERIFICATION_STATES = StateMachine(
    {
        VerificationRun.Status.QUEUED: {
            VerificationRun.Status.RUNNING,
            VerificationRun.Status.ERROR,
        },
        VerificationRun.Status.RUNNING: {
            VerificationRun.Status.OK,
            VerificationRun.Status.FAILED,
            VerificationRun.Status.ERROR,
        },
    }
)
