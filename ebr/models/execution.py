"""Executed steps: signed entries and their second-person verifications (append-only)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from ebr.models.batches import Batch


class StepEntry(models.Model):
    """Values recorded on a batch's step, signed `performed` by the person who recorded them.
    Append-only: a correction is a new entry pointing at the one it corrects (`corrects`), with
    a reason; the original stays."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="entries")
    step_code = models.CharField(max_length=40, db_collation="C")
    values = models.JSONField()
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    reason = models.TextField(blank=True)
    performed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    out_of_limit = models.JSONField(default=list, blank=True)  # the fields outside their limits
    late = models.BooleanField(default=False)  # recorded more than late_after after it opened
    opened_at = models.DateTimeField(null=True, blank=True)  # when its step opened
    created_at = models.DateTimeField(db_default=Now())

    signed_fields = (
        "id", "batch_id", "step_code", "values", "corrects_id", "reason", "performed_by_id",
        "out_of_limit", "late", "opened_at",
    )  # fmt: skip

    class Meta:
        db_table = "ebr_step_entry"
        ordering = ["batch_id", "id"]
        constraints = [
            # One correction per entry: corrections chain, they do not branch.
            models.UniqueConstraint(fields=["corrects"], name="ebr_entry_corrected_once"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.step_code}#{self.pk}"


class StepVerification(models.Model):
    """A second person's check of an entry, signed `verified` (never by its performer)."""

    entry = models.OneToOneField(StepEntry, on_delete=models.PROTECT, related_name="verification")
    verified_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    signed_fields = ("id", "entry_id", "verified_by_id")

    class Meta:
        db_table = "ebr_step_verification"

    def __str__(self) -> str:
        return f"verification of {self.entry_id}"
