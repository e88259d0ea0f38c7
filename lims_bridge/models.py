"""LIMS results tied to batches (21 CFR 211.194: what a laboratory record carries): samples,
results kept revision by revision, the column mappings of result files, and the history of
imports and pulls. Every table is a GxP record, audited row by row; results are append-only."""

from __future__ import annotations

import math

from django.db import models
from django.db.models.functions import Now

from core.states import StateMachine


class LimsCapability(models.Model):
    """Holds the LIMS bridge's permissions; no table (managed = False)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("push_results", "Push LIMS results"),
            ("import_results", "Import LIMS result files and pull from SENAITE"),
        ]

    def __str__(self) -> str:
        return "LIMS bridge capabilities"


class ResultStatus(models.TextChoices):
    """The LIMS states the bridge knows; any other state is kept as the LIMS gives it and
    counts as not verified."""

    TO_BE_VERIFIED = "to_be_verified"
    VERIFIED = "verified"
    PUBLISHED = "published"
    RETRACTED = "retracted"


VERIFIED_STATES = (ResultStatus.VERIFIED, ResultStatus.PUBLISHED)

# How a result's status may move from one revision to the next. A retraction is final (a retest
# is a new result, `retest_of` the retracted one); a verified or published result is not
# taken back to verification. States the list does not name are kept as the LIMS gives them
# and move freely (they count as not verified).
RESULT_STATES = StateMachine({
    ResultStatus.TO_BE_VERIFIED: {ResultStatus.TO_BE_VERIFIED, ResultStatus.VERIFIED,
                                  ResultStatus.PUBLISHED, ResultStatus.RETRACTED},
    ResultStatus.VERIFIED: {ResultStatus.VERIFIED, ResultStatus.PUBLISHED,
                            ResultStatus.RETRACTED},
    ResultStatus.PUBLISHED: {ResultStatus.PUBLISHED, ResultStatus.RETRACTED},
    ResultStatus.RETRACTED: set(),
})  # fmt: skip


def status_move_problem(before: str, after: str) -> str:
    """Why a result may not move from `before` to `after` (empty when it may)."""
    known = set(ResultStatus.values)
    if before not in known or after not in known:
        return ""
    if after in RESULT_STATES.transitions.get(before, set()):
        return ""
    allowed = ", ".join(RESULT_STATES.allowed(before)) or "nothing: it is final"
    return f"a {before} result does not become {after} (it may become {allowed})"


class Source(models.TextChoices):
    PUSH = "push"
    FILE = "file"
    SENAITE = "senaite"


class Sample(models.Model):
    """A sample the LIMS took from a batch: when, and where on the line (a node of the line,
    so the material it holds is known from the RTD)."""

    sample_id = models.CharField(max_length=100, unique=True, db_collation="C")
    batch = models.ForeignKey("ebr.Batch", on_delete=models.PROTECT, related_name="lims_samples")
    sampled_at = models.DateTimeField(null=True, blank=True)
    sampling_point = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "lims_sample"
        ordering = ["sample_id"]

    def __str__(self) -> str:
        return self.sample_id


class Result(models.Model):
    """One revision of one LIMS result (`lims_id`, `revision`): a new revision is a new row,
    the earlier ones stay. Numeric or text; spec and warning limits; the LIMS status; analyst
    and verifiers as the LIMS names them, and the users they map to where such exist."""

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="results")
    # the sample's time and point as this revision gave them (the sample keeps the latest)
    sampled_at = models.DateTimeField(null=True, blank=True)
    sampling_point = models.CharField(max_length=100, blank=True)
    lims_id = models.CharField(max_length=100, db_collation="C")
    revision = models.PositiveIntegerField()
    test = models.CharField(max_length=200)
    value = models.FloatField(null=True, blank=True)  # a numeric result
    text = models.TextField(blank=True)  # a text result ("complies", "< LOQ")
    unit = models.CharField(max_length=40, blank=True)
    spec_low = models.FloatField(null=True, blank=True)
    spec_high = models.FloatField(null=True, blank=True)
    warn_low = models.FloatField(null=True, blank=True)
    warn_high = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=40)
    analyst = models.CharField(max_length=150, blank=True)
    verified_by = models.JSONField(default=list, blank=True)
    analyst_user = models.CharField(max_length=150, blank=True)  # a Ledgerline user, if one
    verifier_users = models.JSONField(default=list, blank=True)
    method = models.CharField(max_length=200, blank=True)
    instrument = models.CharField(max_length=200, blank=True)
    retest_of = models.CharField(max_length=100, blank=True, db_collation="C")
    captured_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    content_sha256 = models.CharField(max_length=64)  # its content, the revision left out
    received_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "lims_result"
        ordering = ["lims_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["lims_id", "revision"], name="lims_result_revision"),
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="lims_revision"),
            models.CheckConstraint(
                condition=models.Q(source__in=Source.values), name="lims_result_source"
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(text=""),
                name="lims_result_one_kind",
            ),
        ]
        indexes = [models.Index(fields=["sample", "test"], name="lims_result_sample_test")]

    def __str__(self) -> str:
        return f"{self.lims_id} r{self.revision}"

    @property
    def retracted(self) -> bool:
        return self.status == ResultStatus.RETRACTED

    @property
    def oos(self) -> bool:
        """Outside the specification (a numeric result that is not retracted)."""
        return not self.retracted and _outside(self.value, self.spec_low, self.spec_high)

    @property
    def warning(self) -> bool:
        """Outside the warning limits while inside the specification."""
        return (
            not self.retracted
            and not self.oos
            and _outside(self.value, self.warn_low, self.warn_high)
        )

    @property
    def verified(self) -> bool:
        return self.status in VERIFIED_STATES


def _outside(value: float | None, low: float | None, high: float | None) -> bool:
    if value is None or not math.isfinite(value):
        return False
    return (low is not None and value < low) or (high is not None and value > high)


class ColumnMapping(models.Model):
    """How a result file's columns map to result fields (`{"<file column>": "<field>"}`),
    the Excel sheet to read, and the format of its timestamps."""

    name = models.CharField(max_length=100, unique=True, db_collation="C")
    columns = models.JSONField()
    sheet = models.CharField(max_length=100, blank=True)
    timestamp_format = models.CharField(max_length=100, blank=True)
    author = models.CharField(max_length=150)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "lims_column_mapping"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Transfer(models.Model):
    """One file import or SENAITE pull: the original file (as received) or the site and
    `since`, who asked, how it went and what it stored."""

    class Kind(models.TextChoices):
        FILE = "file"
        SENAITE = "senaite"

    class State(models.TextChoices):
        PREVIEWED = "previewed"  # a file parsed and shown, nothing stored yet
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices)
    requested_by = models.CharField(max_length=150)
    mapping = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(null=True, blank=True)  # the file as received
    content_sha256 = models.CharField(max_length=64, blank=True)
    site = models.CharField(max_length=500, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # created, replayed, unchanged, …
    error = models.TextField(blank=True)
    progress = models.FloatField(default=0.0)  # 0–1, for the screens
    created_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lims_transfer"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["file", "senaite"]), name="lims_transfer_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
