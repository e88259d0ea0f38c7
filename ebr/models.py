"""Electronic batch records: lines and material lots (this file grows with master records,
batches, entries and deviations). Every table here is a GxP record, audited row by row."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models.functions import Coalesce, Now

from core.states import StateMachine


class EbrCapability(models.Model):
    """Holds the batch records' permissions; no table (managed = False). All GxP."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_batch_records", "Read lines, lots, master records and batches"),
            ("execute_steps", "Execute batch record steps"),
            ("verify_steps", "Verify batch record steps performed by others"),
            ("review_batches", "Review batches by exception, handle deviations"),
            ("release_batches", "Release or reject batches"),
            ("manage_master_records", "Author master batch records"),
            ("approve_master_records", "Approve master batch records, make them effective"),
            ("manage_lines", "Define lines and their RTD models"),
            ("manage_lots", "Create material lots"),
            ("dispose_lots", "Release or reject material lots"),
            ("act_for_people", "Carry a person's signature for what their role allows"),
            ("manage_batches", "Create, start and close batches; cancel a planned one"),
            ("raise_deviations", "Raise a manual deviation"),
        ]

    def __str__(self) -> str:
        return "batch record capabilities"


class Line(models.Model):
    """A production line: the equipment node it names (its feeders are that node's children,
    its tags the tags under it), with an optional mass-flow tag at the outlet."""

    code = models.CharField(max_length=40, unique=True, db_collation="C")
    name = models.CharField(max_length=200)
    equipment = models.OneToOneField(
        "historian.Equipment", on_delete=models.PROTECT, related_name="line"
    )
    outlet_tag = models.ForeignKey(
        "historian.Tag", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "ebr_line"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"),
                name="ebr_line_code",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class LotStatus(models.TextChoices):
    QUARANTINE = "quarantine"
    RELEASED = "released"
    REJECTED = "rejected"


# QA decides once: a released or rejected lot stays so (a recall is a deviation, not an edit).
LOT_STATES = StateMachine({LotStatus.QUARANTINE: {LotStatus.RELEASED, LotStatus.REJECTED}})


class MaterialLot(models.Model):
    """A lot of a material, received into quarantine; QA releases or rejects it by signature.
    Only a released lot that has not expired is used in a batch or charged to a feeder."""

    material = models.CharField(max_length=100, db_collation="C")
    lot = models.CharField(max_length=100, db_collation="C")
    supplier = models.CharField(max_length=200, blank=True)
    supplier_lot = models.CharField(max_length=100, blank=True)
    quantity = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=LotStatus.choices, default=LotStatus.QUARANTINE
    )
    created_at = models.DateTimeField(db_default=Now())

    signed_fields = (
        "id", "material", "lot", "supplier", "supplier_lot", "quantity", "unit", "expires_at",
        "status",
    )  # fmt: skip

    class Meta:
        db_table = "ebr_material_lot"
        ordering = ["material", "lot"]
        constraints = [
            models.UniqueConstraint(fields=["material", "lot"], name="ebr_lot_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=LotStatus.values), name="ebr_lot_status"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gt=0),
                name="ebr_lot_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material}/{self.lot}"


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


class RtdModelVersion(models.Model):
    """The residence time distribution from one feeder of a line to its outlet (ebr.rtd), as a
    version effective from a moment: the model used for material that left at time t is the
    latest version effective at t. A change is a new version with a reason; versions are never
    changed or deleted (append-only)."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="rtd_models")
    feeder = models.CharField(max_length=60, db_collation="C")
    version = models.PositiveIntegerField()
    model = models.CharField(max_length=20)
    n = models.FloatField(null=True, blank=True)
    peclet = models.FloatField(null=True, blank=True)
    boundary = models.CharField(max_length=6, default="closed")
    tau_s = models.FloatField()
    delay_s = models.FloatField(default=0.0)
    effective_from = models.DateTimeField()
    reason = models.TextField()
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "ebr_rtd_model"
        ordering = ["line_id", "feeder", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "feeder", "version"], name="ebr_rtd_model_version"
            ),
            models.CheckConstraint(
                condition=models.Q(model__in=["tanks_in_series", "axial_dispersion"]),
                name="ebr_rtd_model_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(tau_s__gt=0) & models.Q(delay_s__gte=0),
                name="ebr_rtd_model_times",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="ebr_rtd_model_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id}/{self.feeder} v{self.version}"
