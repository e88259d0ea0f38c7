"""Shapes of the batch-record API's bodies (the services check every rule)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from audit.api.fields import SignatureField
from ebr.models import (
    BatchDefinition,
    BatchStatus,
    DeviationKind,
    DeviationStatus,
    ExceptionKind,
    LotStatus,
    MasterStatus,
    Severity,
)


class LineCreateSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    equipment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The line's path (default: code)"
    )
    outlet_tag = serializers.CharField(required=False, allow_blank=True, default="")


class LineSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    equipment = serializers.CharField()
    outlet_tag = serializers.CharField(allow_null=True)
    feeders = serializers.ListField(child=serializers.CharField())
    created_at = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField(), required=False)


class LineListSerializer(serializers.Serializer[Any]):
    results = LineSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class LotCreateSerializer(serializers.Serializer[Any]):
    material = serializers.CharField(max_length=100)
    lot = serializers.CharField(max_length=100)
    supplier = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    supplier_lot = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    quantity = serializers.FloatField(required=False, allow_null=True, default=None)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    expires_at = serializers.CharField(required=False, allow_null=True, default=None)


class DispositionSerializer(serializers.Serializer[Any]):
    meaning = serializers.CharField()
    signed_by = serializers.CharField()
    printed_name = serializers.CharField()
    signed_at = serializers.CharField()
    reason = serializers.CharField()


class LotSerializer(serializers.Serializer[Any]):
    material = serializers.CharField()
    lot = serializers.CharField()
    supplier = serializers.CharField()
    supplier_lot = serializers.CharField()
    quantity = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    expires_at = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=LotStatus.choices)
    created_at = serializers.CharField()
    disposition = DispositionSerializer(allow_null=True)


class LotListSerializer(serializers.Serializer[Any]):
    results = LotSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class LotDispositionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["release", "reject"])
    signature = SignatureField(meanings=("released", "rejected"))


class MasterWriteSerializer(serializers.Serializer[Any]):
    """A master record's header and definition; on a new version, what differs from the copy."""

    code = serializers.CharField(max_length=60)
    product = serializers.CharField(max_length=200, required=False)
    title = serializers.CharField(max_length=300, required=False)
    line = serializers.CharField(max_length=40, required=False)
    batch_definition = serializers.ChoiceField(choices=BatchDefinition.choices, required=False)
    late_after = serializers.CharField(required=False, help_text="An interval: 30m, 2h, 1d")
    steps = serializers.JSONField(required=False, help_text="ISA-88 steps (API.md)")
    parameter_specs = serializers.JSONField(required=False)
    lims_tests = serializers.JSONField(required=False)


class MasterPatchSerializer(MasterWriteSerializer):
    code = None  # type: ignore[assignment]
    reason = serializers.CharField(max_length=500)


class SignatureShapeSerializer(serializers.Serializer[Any]):
    meaning = serializers.CharField()
    signed_by = serializers.CharField()
    printed_name = serializers.CharField()
    signed_at = serializers.CharField()
    reason = serializers.CharField()


class MasterSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MasterStatus.choices)
    product = serializers.CharField()
    title = serializers.CharField()
    line = serializers.CharField()
    batch_definition = serializers.ChoiceField(choices=BatchDefinition.choices)
    late_after = serializers.CharField()
    steps = serializers.JSONField()
    parameter_specs = serializers.JSONField()
    lims_tests = serializers.JSONField()
    author = serializers.CharField()
    created_at = serializers.CharField()
    updated_at = serializers.CharField()
    signatures = SignatureShapeSerializer(many=True)


class MasterListSerializer(serializers.Serializer[Any]):
    results = MasterSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class MasterTransitionSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=MasterStatus.choices)
    reason = serializers.CharField(max_length=500)
    signature = SignatureField(required=False, meanings=("approved", "released"))


class BatchCreateSerializer(serializers.Serializer[Any]):
    batch_number = serializers.CharField(max_length=60)
    master_record = serializers.CharField(max_length=60, help_text="The master record's code")
    version = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the effective one"
    )
    line = serializers.CharField(max_length=40)
    start = serializers.CharField()
    end = serializers.CharField(required=False, allow_null=True, default=None)
    planned_quantity = serializers.FloatField(required=False, allow_null=True, default=None)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class BatchSerializer(serializers.Serializer[Any]):
    batch_number = serializers.CharField()
    line = serializers.CharField()
    master_record = serializers.CharField()
    version = serializers.IntegerField()
    batch_definition = serializers.ChoiceField(choices=BatchDefinition.choices)
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    start = serializers.CharField()
    end = serializers.CharField(allow_null=True)
    planned_quantity = serializers.FloatField(allow_null=True)
    actual_quantity = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    created_at = serializers.CharField()
    master = serializers.JSONField(required=False, help_text="The version's steps and specs")
    steps = serializers.JSONField(
        required=False, help_text="Each step: open, complete, its entries and signatures"
    )
    deviations = serializers.JSONField(required=False, help_text="The batch's deviations")
    exceptions = serializers.JSONField(
        required=False, help_text="Its review by exception, as `exceptions/` gives it"
    )
    blockers = serializers.JSONField(
        required=False, help_text="What stops its release now: `[{kind, ref, detail}]`"
    )
    disposition = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="QA's disposition `{decision, status, signature}`, or null",
    )


class BatchListSerializer(serializers.Serializer[Any]):
    results = BatchSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class BatchPatchSerializer(serializers.Serializer[Any]):
    end = serializers.CharField()
    reason = serializers.CharField(max_length=500)


class BatchTransitionSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    reason = serializers.CharField(max_length=500)
    end = serializers.CharField(required=False, allow_null=True, default=None)


class BatchCloseSerializer(serializers.Serializer[Any]):
    end = serializers.CharField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500, required=False, default="batch window closed")


class DeviationCreateSerializer(serializers.Serializer[Any]):
    line = serializers.CharField(max_length=40)
    batch_number = serializers.CharField(max_length=60, required=False, allow_null=True)
    kind = serializers.ChoiceField(
        choices=[("manual", "manual")], default="manual", help_text="People raise manual ones"
    )
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MINOR)
    tag = serializers.CharField(max_length=200, required=False, allow_null=True)
    start = serializers.CharField()
    end = serializers.CharField(required=False, allow_null=True)
    description = serializers.CharField(max_length=10_000)


class DeviationSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    line = serializers.CharField()
    batch_number = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=DeviationKind.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    tag = serializers.CharField(allow_null=True)
    start = serializers.CharField()
    end = serializers.CharField(allow_null=True)
    description = serializers.CharField()
    details = serializers.JSONField()
    status = serializers.ChoiceField(choices=DeviationStatus.choices)
    root_cause = serializers.CharField()
    impact = serializers.CharField()
    capa = serializers.CharField()
    raised_by = serializers.CharField()
    created_at = serializers.CharField()
    signatures = SignatureShapeSerializer(many=True)
    diversion = serializers.JSONField(
        required=False, allow_null=True,
        help_text="One deviation in full (not in lists): for a CPP excursion on a feeder's tag, "
        "the outlet window to divert (`feeder`, `divert_start`, `divert_end` — null while the "
        "excursion goes on —, `rtd_model`; or `problem` without an RTD model); else null",
    )  # fmt: skip


class DeviationListSerializer(serializers.Serializer[Any]):
    results = DeviationSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class DeviationTransitionSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=DeviationStatus.choices)
    reason = serializers.CharField(max_length=500)
    root_cause = serializers.CharField(required=False, allow_blank=True, default="")
    impact = serializers.CharField(required=False, allow_blank=True, default="")
    capa = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    signature = SignatureField(required=False, meanings=("approved",))


class EntryCreateSerializer(serializers.Serializer[Any]):
    values = serializers.JSONField(help_text="Field name → value, typed as the field says")
    signature = SignatureField(meanings=("performed",))
    corrects = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class EntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    step = serializers.CharField()
    values = serializers.JSONField()
    corrects = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    out_of_limit = serializers.ListField(child=serializers.CharField())
    late = serializers.BooleanField()
    performed = SignatureShapeSerializer(many=True)
    verified = SignatureShapeSerializer(many=True)
    created_at = serializers.CharField()


class VerifySerializer(serializers.Serializer[Any]):
    entry = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the one waiting"
    )
    signature = SignatureField(meanings=("verified",))


class ExceptionSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(help_text="Stable; names its subject, e.g. `entry:123:late`")
    kind = serializers.ChoiceField(choices=ExceptionKind.choices)
    summary = serializers.CharField()
    ref = serializers.CharField(
        help_text="The record it is about: `S20/123` (step/entry), `DEV-0007`, `S20` (step), "
        "`audit_event/456`, `L1.NIR.API_CONC/correction/12`"
    )
    arose_at = serializers.CharField(allow_null=True, help_text="When it arose (UTC)")
    post_disposition = serializers.BooleanField(help_text="It arose after QA's disposition")
    resolved = serializers.BooleanField(
        help_text="Reviewed, and since resolved by an action (e.g. the step was verified)"
    )
    reviewed_by = serializers.CharField(allow_null=True)
    reviewed_at = serializers.CharField(allow_null=True)
    comment = serializers.CharField(allow_null=True)
    signature = SignatureShapeSerializer(allow_null=True, help_text="QA's `reviewed` signature")


class BlockerSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(
        help_text="`deviation_open`, `step_unsigned`, `step_unverified`, `exception_unreviewed`, "
        "and the kinds other apps add (e.g. `lims_missing`)"
    )
    ref = serializers.CharField()
    detail = serializers.CharField()


class DispositionShapeSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["release", "reject"])
    status = serializers.CharField()
    signature = SignatureShapeSerializer()


class BatchReviewSerializer(serializers.Serializer[Any]):
    batch_number = serializers.CharField()
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    exceptions = ExceptionSerializer(many=True)
    blockers = BlockerSerializer(many=True, help_text="What stops a release now")
    disposition = DispositionShapeSerializer(allow_null=True)


class ExceptionReviewSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=4000, help_text="What QA found")
    signature = SignatureField(meanings=("reviewed",))


class BatchDispositionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["release", "reject"])
    signature = SignatureField(meanings=("released", "rejected"))
