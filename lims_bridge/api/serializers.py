"""Shapes of the LIMS bridge's API for the OpenAPI schema (the services check the rules)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class ResultPushSerializer(serializers.Serializer[Any]):
    lims_id = serializers.CharField()
    revision = serializers.IntegerField(min_value=1)
    sample_id = serializers.CharField()
    sampling_point = serializers.CharField(required=False, help_text="A node of the line")
    batch_number = serializers.CharField()
    sampled_at = serializers.CharField(required=False)
    test = serializers.CharField()
    result = serializers.JSONField(help_text="A number, or a text")
    unit = serializers.CharField(required=False, allow_blank=True)
    spec_low = serializers.FloatField(required=False, allow_null=True)
    spec_high = serializers.FloatField(required=False, allow_null=True)
    warn_low = serializers.FloatField(required=False, allow_null=True)
    warn_high = serializers.FloatField(required=False, allow_null=True)
    status = serializers.CharField(help_text="to_be_verified, verified, published, retracted")
    analyst = serializers.CharField(required=False)
    verified_by = serializers.JSONField(required=False, help_text="A name or a list of names")
    method = serializers.CharField(required=False)
    instrument = serializers.CharField(required=False)
    retest_of = serializers.CharField(required=False, help_text="The lims_id retested")
    captured_at = serializers.CharField(required=False, help_text="When it was entered")
    sample_status = serializers.CharField(required=False)


class ResultSerializer(serializers.Serializer[Any]):
    lims_id = serializers.CharField()
    revision = serializers.IntegerField()
    sample_id = serializers.CharField()
    sampling_point = serializers.CharField(allow_null=True)
    batch_number = serializers.CharField()
    sampled_at = serializers.CharField(allow_null=True)
    test = serializers.CharField()
    result = serializers.JSONField()
    unit = serializers.CharField()
    spec_low = serializers.FloatField(allow_null=True)
    spec_high = serializers.FloatField(allow_null=True)
    warn_low = serializers.FloatField(allow_null=True)
    warn_high = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    analyst = serializers.CharField()
    verified_by = serializers.ListField(child=serializers.CharField())
    analyst_user = serializers.CharField(allow_null=True)
    verifier_users = serializers.ListField(child=serializers.CharField())
    method = serializers.CharField()
    instrument = serializers.CharField()
    retest_of = serializers.CharField(allow_null=True)
    captured_at = serializers.CharField(allow_null=True)
    source = serializers.CharField(help_text="push, file or senaite")  # type: ignore[assignment]
    received_by = serializers.CharField()
    oos = serializers.BooleanField()
    warning = serializers.BooleanField()


class ResultWithRevisionsSerializer(ResultSerializer):
    revisions = ResultSerializer(many=True)


class ResultListSerializer(serializers.Serializer[Any]):
    results = ResultWithRevisionsSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class OutcomeSerializer(serializers.Serializer[Any]):
    lims_id = serializers.CharField()
    revision = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["created", "replayed"])


class OutcomesSerializer(serializers.Serializer[Any]):
    results = OutcomeSerializer(many=True)


class MappingSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    columns = serializers.DictField(child=serializers.CharField())
    sheet = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    timestamp_format = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class MappingListSerializer(serializers.Serializer[Any]):
    results = MappingSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class TransferSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    requested_by = serializers.CharField()
    mapping = serializers.CharField(allow_null=True)
    filename = serializers.CharField(allow_null=True)
    sha256 = serializers.CharField(allow_null=True, help_text="Of the file as received")
    site = serializers.CharField(allow_null=True)
    since = serializers.CharField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    progress = serializers.FloatField()
    error = serializers.CharField(allow_null=True)
    created_at = serializers.CharField()
    finished_at = serializers.CharField(allow_null=True)
    status_url = serializers.CharField(required=False)


class TransferListSerializer(serializers.Serializer[Any]):
    results = TransferSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class ImportRequestSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    mapping = serializers.CharField()
    preview = serializers.BooleanField(required=False, default=False)


class RowOutcomeSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text="Its line in the file (the header is line 1)")
    lims_id = serializers.CharField()
    revision = serializers.IntegerField()
    outcome = serializers.CharField(help_text="created, replayed (or preview)")


class ImportSerializer(serializers.Serializer[Any]):
    transfer = TransferSerializer()
    results = RowOutcomeSerializer(many=True)


class PullRequestSerializer(serializers.Serializer[Any]):
    source = serializers.ChoiceField(choices=["senaite"])  # type: ignore[assignment]
    since = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="Analyses modified since (default: the last pull)",
    )
