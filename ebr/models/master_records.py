"""Master batch records: versions of a product's steps, specs and tests, approved by QA."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from core.states import StateMachine
from ebr.models.lines_and_lots import Line


class BatchDefinition(models.TextChoices):
    TIME = "time"  # the window's end is given (and may move while the batch runs)
    QUANTITY = "quantity"  # the batch closes when the outlet's integrated mass reaches plan


class MasterStatus(models.TextChoices):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    EFFECTIVE = "effective"
    RETIRED = "retired"


MASTER_STATES = StateMachine(
    {
        MasterStatus.DRAFT: {MasterStatus.IN_REVIEW},
        MasterStatus.IN_REVIEW: {MasterStatus.DRAFT, MasterStatus.APPROVED},
        MasterStatus.APPROVED: {MasterStatus.EFFECTIVE, MasterStatus.RETIRED},
        MasterStatus.EFFECTIVE: {MasterStatus.RETIRED},
    }
)


# A version still being written or reviewed: at most one per code.
UNFINISHED = (MasterStatus.DRAFT, MasterStatus.IN_REVIEW)


class MasterRecord(models.Model):
    """One version of a master batch record (21 CFR 211.186): ISA-88 steps with typed fields
    and required signatures, the CPP/CQA specs monitored over a batch window, the LIMS tests
    a batch needs. Versions are numbered by the server; an approved version never changes
    (its definition is signed, and the database guards it)."""

    code = models.CharField(max_length=60, db_collation="C")
    version = models.PositiveIntegerField()
    product = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="master_records")
    batch_definition = models.CharField(
        max_length=10, choices=BatchDefinition.choices, default=BatchDefinition.TIME
    )
    late_after = models.DurationField()
    steps = models.JSONField(default=list)
    parameter_specs = models.JSONField(default=list)
    lims_tests = models.JSONField(default=list)
    status = models.CharField(
        max_length=12, choices=MasterStatus.choices, default=MasterStatus.DRAFT
    )
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    # The definition QA signs (approval) and releases for use (effective); the status moves.
    signed_fields = (
        "id", "code", "version", "product", "title", "line_id", "batch_definition",
        "late_after", "steps", "parameter_specs", "lims_tests", "author_id",
    )  # fmt: skip

    class Meta:
        db_table = "ebr_master_record"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="ebr_master_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(status__in=["draft", "in_review"]),
                name="ebr_master_one_unfinished",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(status="effective"),
                name="ebr_master_one_effective",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MasterStatus.values), name="ebr_master_status"
            ),
            models.CheckConstraint(
                condition=models.Q(batch_definition__in=BatchDefinition.values),
                name="ebr_master_definition",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="ebr_master_v1"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"
