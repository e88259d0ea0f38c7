"""Deviations: raised by people or by the system, investigated and closed by QA."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from core.states import StateMachine
from ebr.models.batches import Batch
from ebr.models.lines_and_lots import Line


class DeviationKind(models.TextChoices):
    CPP_EXCURSION = "cpp_excursion"
    OOS = "oos"
    STEP_LIMIT = "step_limit"
    MANUAL = "manual"


class Severity(models.TextChoices):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class DeviationStatus(models.TextChoices):
    OPEN = "open"
    INVESTIGATING = "investigating"
    CLOSED = "closed"


DEVIATION_STATES = StateMachine(
    {
        DeviationStatus.OPEN: {DeviationStatus.INVESTIGATING, DeviationStatus.CLOSED},
        DeviationStatus.INVESTIGATING: {DeviationStatus.CLOSED},
    }
)


class Deviation(models.Model):
    """A departure from the process or its record, on a line and often a batch: raised by a
    person (manual) or by the system (a CPP excursion, an out-of-limit entry, an OOS result),
    investigated and closed by QA with root cause, impact and CAPA under a signature."""

    number = models.CharField(max_length=20, unique=True, db_collation="C")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="deviations")
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="deviations"
    )
    kind = models.CharField(max_length=16, choices=DeviationKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MINOR)
    tag = models.ForeignKey(
        "historian.Tag", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    description = models.TextField()
    details = models.JSONField(default=dict, blank=True)  # e.g. an excursion's worst value
    # What raised it, for the system's own deviations: raising the same thing again (late data,
    # reprocessing) finds this one instead of making a second.
    source_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(
        max_length=14, choices=DeviationStatus.choices, default=DeviationStatus.OPEN
    )
    root_cause = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    capa = models.CharField(max_length=200, blank=True)
    raised_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(db_default=Now())

    # What QA's closing signature covers: the deviation as investigated and closed.
    signed_fields = (
        "id", "number", "line_id", "batch_id", "kind", "severity", "tag_id", "start", "end",
        "description", "details", "status", "root_cause", "impact", "capa",
    )  # fmt: skip

    class Meta:
        db_table = "ebr_deviation"
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DeviationKind.values), name="ebr_deviation_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=Severity.values), name="ebr_deviation_severity"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeviationStatus.values),
                name="ebr_deviation_status",
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="ebr_deviation_window",
            ),
            # A closed deviation says why it happened, what it affected and what follows.
            models.CheckConstraint(
                condition=~models.Q(status="closed")
                | (~models.Q(root_cause="") & ~models.Q(impact="") & ~models.Q(capa="")),
                name="ebr_deviation_closed_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.number
