"""Lines and material lots, the batch records' capabilities, each line's RTD model versions and
the lots fed to its feeders.
Every table here is a GxP record, audited row by row."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

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
            ("charge_feeds", "Charge a lot to a feeder of a line"),
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


class Feed(models.Model):
    """A lot charged to a feeder of a line from `start` — a refill with a new lot, a lot
    switch. It is in the feeder until its `end` when one was given, and at the latest until
    the next feed on that feeder begins. The record of what was fed (the simulator's LOT
    tags are process signals); append-only."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="feeds")
    feeder = models.CharField(max_length=60, db_collation="C")
    lot = models.ForeignKey(MaterialLot, on_delete=models.PROTECT, related_name="feeds")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "ebr_feed"
        ordering = ["line_id", "feeder", "start"]
        constraints = [
            # One feed begins at a moment on a feeder: a replay finds it, a different lot at
            # the same moment is a conflict.
            models.UniqueConstraint(fields=["line", "feeder", "start"], name="ebr_feed_start"),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                name="ebr_feed_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} → {self.line_id}/{self.feeder} from {self.start.isoformat()}"
