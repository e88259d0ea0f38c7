"""Continuous batches: windows on a line under one master record version."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models.functions import Coalesce, Now

from core.states import StateMachine
from ebr.models.lines_and_lots import Line
from ebr.models.master_records import BatchDefinition, MasterRecord


class BatchStatus(models.TextChoices):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    UNDER_REVIEW = "under_review"
    RELEASED = "released"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


BATCH_STATES = StateMachine(
    {
        BatchStatus.PLANNED: {BatchStatus.IN_PROGRESS, BatchStatus.CANCELLED},
        BatchStatus.IN_PROGRESS: {BatchStatus.CLOSED},
        BatchStatus.CLOSED: {BatchStatus.UNDER_REVIEW, BatchStatus.RELEASED, BatchStatus.REJECTED},
        BatchStatus.UNDER_REVIEW: {BatchStatus.RELEASED, BatchStatus.REJECTED},
    }
)


class TsTzRange(models.Func):
    """`tstzrange(start, end)`, half-open `[start, end)`."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Batch(models.Model):
    """A continuous batch (ICH Q13): a window `[start, end)` on a line under one version of a
    master record. The version is its snapshot: an approved version never changes (signed and
    guarded), so the batch's steps and specs are those it was created with. Windows of a line
    never overlap among batches that are not cancelled (an exclusion constraint); a quantity
    batch's window stays open until it closes, so the next one waits for that."""

    batch_number = models.CharField(max_length=60, unique=True, db_collation="C")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="batches")
    master_record = models.ForeignKey(
        MasterRecord, on_delete=models.PROTECT, related_name="batches"
    )
    batch_definition = models.CharField(max_length=10, choices=BatchDefinition.choices)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    planned_quantity = models.FloatField(null=True, blank=True)
    actual_quantity = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    status = models.CharField(
        max_length=14, choices=BatchStatus.choices, default=BatchStatus.PLANNED
    )
    started_at = models.DateTimeField(null=True, blank=True)  # when it went in progress
    created_at = models.DateTimeField(db_default=Now())

    # What QA's disposition signature (`released` / `rejected`) covers: the batch as disposed.
    # Once signed these never change (the signed guard): the record is read-only.
    signed_fields = (
        "id", "batch_number", "line_id", "master_record_id", "batch_definition", "start", "end",
        "planned_quantity", "actual_quantity", "unit", "status", "started_at",
    )  # fmt: skip

    class Meta:
        db_table = "ebr_batch"
        ordering = ["line_id", "start"]
        constraints = [
            ExclusionConstraint(
                name="ebr_batch_windows_do_not_overlap",
                expressions=[
                    ("line", RangeOperators.EQUAL),
                    (
                        TsTzRange(
                            "start", Coalesce("end", models.Value(datetime.max.replace(tzinfo=UTC)))
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=~models.Q(status="cancelled"),
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                name="ebr_batch_window",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=BatchStatus.values), name="ebr_batch_status"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_quantity__isnull=True)
                | models.Q(planned_quantity__gt=0),
                name="ebr_batch_planned_quantity",
            ),
        ]

    def __str__(self) -> str:
        return self.batch_number
