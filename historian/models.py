"""The historian: equipment, tags, ingest batches, annotations and corrections.

Samples themselves live in the TimescaleDB hypertable `historian_sample`
(created in a migration, written with COPY, read with SQL); they are not a
Django model. Every table here is a GxP record, audited row by row.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from simple_history.models import HistoricalRecords


class EquipmentLevel(models.TextChoices):
    SITE = "site"
    AREA = "area"
    LINE = "line"
    UNIT = "unit"


LEVELS = [EquipmentLevel.SITE, EquipmentLevel.AREA, EquipmentLevel.LINE, EquipmentLevel.UNIT]


class Equipment(models.Model):
    """A node of the equipment hierarchy, addressed by its path (`L1/FEEDER1`, 1–4 segments)."""

    path = models.CharField(max_length=400, unique=True)
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField(max_length=8, choices=EquipmentLevel.choices)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(db_default=Now())

    history = HistoricalRecords(table_name="historian_equipment_history")

    class Meta:
        db_table = "historian_equipment"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


class ValueType(models.TextChoices):
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    STRING = "string"


class Classification(models.TextChoices):
    CPP = "CPP", "Critical process parameter"
    CQA = "CQA", "Critical quality attribute"
    KPP = "KPP", "Key process parameter"
    MONITORING = "monitoring", "Monitoring"


class Tag(models.Model):
    """A measured or set quantity. `unit`, `value_type` and `step` are fixed once it has samples."""

    name = models.CharField(max_length=200, unique=True, db_collation="C")
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=40, blank=True)
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="tags")
    value_type = models.CharField(max_length=8, choices=ValueType.choices, default=ValueType.FLOAT)
    step = models.BooleanField(default=False)
    classification = models.CharField(
        max_length=12, choices=Classification.choices, default=Classification.MONITORING
    )
    range_low = models.FloatField(null=True, blank=True)  # the instrument's range
    range_high = models.FloatField(null=True, blank=True)
    # Process limits, drawn as bands: the specification, and the alert limits inside it.
    spec_low = models.FloatField(null=True, blank=True)
    spec_high = models.FloatField(null=True, blank=True)
    alert_low = models.FloatField(null=True, blank=True)
    alert_high = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now())

    history = HistoricalRecords(table_name="historian_tag_history")

    class Meta:
        db_table = "historian_tag"
        ordering = ["name"]
        # The historian's capabilities (accounts.roles grants them to roles, from
        # HistorianConfig.role_permissions). All GxP: no administrator holds one.
        permissions = [
            ("view_process_data", "Read tags, values, annotations, corrections"),
            ("manage_tags", "Create and change tags and equipment"),
            ("ingest_samples", "Ingest process samples"),
            ("annotate", "Annotate process data"),
            ("correct_samples", "Correct process samples (signed, approved)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(range_low__isnull=True)
                | models.Q(range_high__isnull=True)
                | models.Q(range_low__lt=models.F("range_high")),
                name="historian_tag_range_order",
            ),
            models.CheckConstraint(
                condition=models.Q(spec_low__isnull=True)
                | models.Q(spec_high__isnull=True)
                | models.Q(spec_low__lt=models.F("spec_high")),
                name="historian_tag_spec_order",
            ),
            models.CheckConstraint(
                condition=models.Q(alert_low__isnull=True)
                | models.Q(alert_high__isnull=True)
                | models.Q(alert_low__lt=models.F("alert_high")),
                name="historian_tag_alert_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Process limits in order: each low below its high, and the alert limits inside the
        specification (spec_low ≤ alert_low, alert_high ≤ spec_high)."""
        errors = {}
        pairs = (
            ("spec_low", "spec_high", "below"),
            ("alert_low", "alert_high", "below"),
            ("spec_low", "alert_low", "at or below"),
            ("alert_high", "spec_high", "at or below"),
        )
        for low, high, relation in pairs:
            a, b = getattr(self, low), getattr(self, high)
            if a is None or b is None:
                continue
            wrong = a >= b if relation == "below" else a > b
            if wrong:
                errors[low] = f"{low} ({a}) must be {relation} {high} ({b})"
        if errors:
            raise ValidationError(errors)


class IngestBatch(models.Model):
    """Provenance of stored samples: who sent them, from where, under which key, and the
    SHA-256 of their canonical form, which enters the audit chain with this row."""

    source = models.CharField(max_length=200)
    ingest_key = models.CharField(max_length=300)
    account = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(db_default=Now())
    request_sha256 = models.CharField(max_length=64)
    sample_count = models.IntegerField()
    duplicate_count = models.IntegerField(default=0)
    first_ts = models.DateTimeField(null=True, blank=True)
    last_ts = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    tag_ids = ArrayField(models.IntegerField(), default=list)
    response = models.JSONField()
    # The accepting transaction, stamped by the database: samples may name this batch only
    # in it (historian_ingest_permit).
    ingest_tx = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "historian_ingest_batch"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "ingest_key"], name="historian_ingest_key_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"ingest {self.pk} ({self.sample_count} samples from {self.source})"


class Annotation(models.Model):
    """A note over a time range of a tag; the samples are untouched."""

    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="annotations")
    start = models.DateTimeField()
    end = models.DateTimeField()
    text = models.TextField()
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "historian_annotation"
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="historian_annotation_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} {self.start}–{self.end}"


class Correction(models.Model):
    """A signed correction (meaning `approved`): within [start, end) its values replace the
    originals when read with `corrections=apply`. The originals stay as they were."""

    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="corrections")
    start = models.DateTimeField()
    end = models.DateTimeField()
    values = models.JSONField()
    reason = models.TextField()
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    signed_fields = ("id", "tag_id", "start", "end", "values", "reason", "author_id")

    class Meta:
        db_table = "historian_correction"
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="historian_correction_range"
            ),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of {self.tag_id}"


# The relative windows a trend may show, until the moment it is opened.
RELATIVE_WINDOWS = {"1h": 3600, "8h": 8 * 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
MAX_TREND_TAGS = 20


class TrendLayout(models.TextChoices):
    AXES = "axes"  # an axis per unit
    LANES = "lanes"  # a lane and a scale per tag


class TrendDisplay(models.Model):
    """A trend view a person saved under a name: its tags, layout and window, which is either
    relative (`last`, until the moment it is opened), fixed (`start`/`end`) or, with neither,
    the latest 8 hours of the tags' data. Each person sees and changes only their own."""

    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    tags = ArrayField(models.CharField(max_length=200))
    layout = models.CharField(max_length=10, choices=TrendLayout.choices, default="axes")
    last = models.CharField(max_length=10, blank=True, default="")
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "historian_trend_display"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="historian_display_name"),
            models.CheckConstraint(
                condition=models.Q(layout__in=["axes", "lanes"]), name="historian_display_layout"
            ),
            # One kind of window: relative, fixed (start before end) or the default.
            models.CheckConstraint(
                condition=(
                    models.Q(last__in=["", *RELATIVE_WINDOWS], start__isnull=True, end__isnull=True)
                    | models.Q(last="", start__lt=models.F("end"))
                ),
                name="historian_display_window",
            ),
            models.CheckConstraint(
                condition=models.Q(tags__len__gte=1), name="historian_display_tags"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner_id})"
