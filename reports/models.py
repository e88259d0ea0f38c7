"""Reports auditors file: every rendered PDF is a document with an id, what it shows (its kind
and parameters), who asked and when, the SHA-256 of its content manifest and of the signed file
as delivered — kept, so a status URL can hand it over and a verification can name it."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class ReportCapability(models.Model):
    """Holds the reports' permission; no table (managed = False)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("render_reports", "Render and verify reports")]

    def __str__(self) -> str:
        return "report capabilities"


class ReportKind(models.TextChoices):
    BATCH = "batch", "Batch record"
    GENEALOGY = "genealogy", "Genealogy"
    TREND = "trend", "Trend and SPC"
    DEVIATION = "deviation", "Deviation"
    AUDIT = "audit", "Audit trail extract"


class Document(models.Model):
    """One rendered report. Rendered on the background queue; `pdf` is the signed file."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RENDERING = "rendering"
        DONE = "done"
        FAILED = "failed"

    document_id = models.CharField(max_length=40, unique=True, db_collation="C")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    params = models.JSONField(default=dict)
    title = models.CharField(max_length=300, blank=True)
    requested_by = models.CharField(max_length=150)
    requested_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.FloatField(default=0.0)
    pages = models.PositiveIntegerField(null=True, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(db_default=Now())
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reports_document"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReportKind.values), name="reports_document_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.document_id
