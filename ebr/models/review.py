"""Review by exception: QA's signed look at each exception of a batch."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from ebr.models.batches import Batch


class ExceptionKind(models.TextChoices):
    """What a batch's review by exception lists (API.md `exceptions/`). The LIMS and genealogy
    kinds are filled by the apps that know them, through `ebr.providers`."""

    ENTRY_OUT_OF_LIMIT = "entry_out_of_limit", "Out-of-limit entry"
    ENTRY_CORRECTED = "entry_corrected", "Corrected entry"
    ENTRY_LATE = "entry_late", "Late entry"
    DEVIATION = "deviation", "Deviation"
    CPP_EXCURSION = "cpp_excursion", "CPP excursion"
    LIMS_OOS = "lims_oos", "LIMS result out of specification"
    LIMS_WARNING = "lims_warning", "LIMS result out of warning limits"
    LIMS_REVISED = "lims_revised", "LIMS result revised"
    LIMS_MISSING = "lims_missing", "LIMS result missing"
    STEP_UNSIGNED = "step_unsigned", "Unsigned step"
    STEP_UNVERIFIED = "step_unverified", "Unverified step"
    AUDIT_CHANGE = "audit_change", "Change after execution"
    DIVERSION = "diversion", "Diversion"


class ExceptionReview(models.Model):
    """QA's signed record (`reviewed`) that it looked at one exception of a batch, with a
    comment. It records the look, not a resolution: what needs an action (an open deviation,
    an unsigned step) blocks the release until it is resolved. Append-only; one per exception."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="reviews")
    exception_id = models.CharField(max_length=200, db_collation="C")
    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    summary = models.TextField()  # what the exception said when it was reviewed
    comment = models.TextField()
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    signed_fields = (
        "id", "batch_id", "exception_id", "kind", "summary", "comment", "reviewed_by_id",
    )  # fmt: skip

    class Meta:
        db_table = "ebr_exception_review"
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "exception_id"], name="ebr_exception_reviewed_once"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ExceptionKind.values), name="ebr_exception_kind"
            ),
            models.CheckConstraint(
                condition=~models.Q(comment=""), name="ebr_exception_review_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.exception_id}"
