from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from audit.api.fields import SignatureField
from historian.models import Annotation, Classification, Correction, Tag, TrendLayout, ValueType


class TagSerializer(serializers.ModelSerializer[Tag]):
    equipment = serializers.CharField(source="equipment.path")

    class Meta:
        model = Tag
        fields = [
            "name",
            "description",
            "unit",
            "equipment",
            "value_type",
            "step",
            "classification",
            "range_low",
            "range_high",
            "spec_low",
            "spec_high",
            "alert_low",
            "alert_high",
            "created_at",
        ]


class TagCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    equipment = serializers.CharField(help_text="site/area/line/unit path, 1–4 segments")
    value_type = serializers.ChoiceField(choices=ValueType.choices, default=ValueType.FLOAT)
    step = serializers.BooleanField(required=False, allow_null=True, default=None)
    classification = serializers.ChoiceField(
        choices=Classification.choices, default=Classification.MONITORING
    )
    range_low = serializers.FloatField(required=False, allow_null=True, default=None)
    range_high = serializers.FloatField(required=False, allow_null=True, default=None)
    spec_low = serializers.FloatField(required=False, allow_null=True, default=None)
    spec_high = serializers.FloatField(required=False, allow_null=True, default=None)
    alert_low = serializers.FloatField(required=False, allow_null=True, default=None)
    alert_high = serializers.FloatField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TagPatchSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(required=False, allow_blank=True)
    equipment = serializers.CharField(required=False)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)
    range_low = serializers.FloatField(required=False, allow_null=True)
    range_high = serializers.FloatField(required=False, allow_null=True)
    spec_low = serializers.FloatField(required=False, allow_null=True)
    spec_high = serializers.FloatField(required=False, allow_null=True)
    alert_low = serializers.FloatField(required=False, allow_null=True)
    alert_high = serializers.FloatField(required=False, allow_null=True)
    unit = serializers.CharField(required=False, allow_blank=True)
    value_type = serializers.ChoiceField(choices=ValueType.choices, required=False)
    step = serializers.BooleanField(required=False)
    reason = serializers.CharField()


class SampleInSerializer(serializers.Serializer[Any]):
    """Documents one sample; the ingest service validates lists with its own fast path."""

    tag = serializers.CharField()
    ts = serializers.CharField(help_text="ISO 8601 with an offset, at most µs")
    value = serializers.JSONField(help_text="number, integer, true/false, text or null (bad)")
    quality = serializers.ChoiceField(choices=["good", "uncertain", "bad"], default="good")


class IngestRequestSerializer(serializers.Serializer[Any]):
    source = serializers.CharField()  # type: ignore[assignment]
    ingest_key = serializers.CharField()
    samples = SampleInSerializer(many=True)


class IngestResponseSerializer(serializers.Serializer[Any]):
    ingest_id = serializers.IntegerField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    sha256 = serializers.CharField()


class AnnotationSerializer(serializers.ModelSerializer[Annotation]):
    author = serializers.CharField(source="author.username", read_only=True)
    start = serializers.CharField()
    end = serializers.CharField()

    class Meta:
        model = Annotation
        fields = ["id", "start", "end", "text", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def to_representation(self, instance: Annotation) -> dict[str, Any]:
        from audit.canonical import format_ts

        data = super().to_representation(instance)
        data["start"], data["end"] = format_ts(instance.start), format_ts(instance.end)
        return data


class CorrectionValueSerializer(serializers.Serializer[Any]):
    ts = serializers.CharField()
    value = serializers.JSONField()
    quality = serializers.ChoiceField(choices=["good", "uncertain", "bad"], default="good")


class CorrectionSerializer(serializers.ModelSerializer[Correction]):
    author = serializers.CharField(source="author.username", read_only=True)
    start = serializers.CharField()
    end = serializers.CharField()
    values = CorrectionValueSerializer(many=True)
    signature = SignatureField(write_only=True, meanings=("approved",))

    class Meta:
        model = Correction
        fields = ["id", "start", "end", "values", "reason", "signature", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def to_representation(self, instance: Correction) -> dict[str, Any]:
        from audit.canonical import format_ts

        data = super().to_representation(instance)
        data["start"], data["end"] = format_ts(instance.start), format_ts(instance.end)
        return data


# `GET …/values/`: the tag, its unit, the mode, and the values of that mode (API.md). Built
# inline: a serializer class cannot declare a field named `source`.
ValuesResponseSerializer = inline_serializer(
    "ValuesResponse",
    fields={
        "tag": serializers.CharField(),
        "unit": serializers.CharField(allow_blank=True),
        "mode": serializers.ChoiceField(choices=["raw", "interpolated", "aggregate", "plot"]),
        "values": serializers.ListField(
            child=serializers.DictField(),
            help_text="raw/interpolated: ts, value, quality (corrected, has_correction); "
            "aggregate: ts and the asked aggregates with count, bad_count, uncertain_count; "
            "plot: ts, first, first_ts, last, last_ts, min, min_ts, max, max_ts, counts",
        ),
        "source": serializers.CharField(
            required=False, help_text="aggregate and plot: rollups:minute, rollups:hour or raw"
        ),
        "interval_seconds": serializers.FloatField(
            required=False, help_text="plot: interval width"
        ),
        "interval_origin": serializers.CharField(
            required=False,
            help_text="plot: intervals are [origin + k·interval_seconds, origin + (k+1)·"
            "interval_seconds) cut to the window; the window's start, or the whole minute or "
            "hour it starts in (then the first interval, whose ts is the start, is shorter)",
        ),
        "truncated": serializers.BooleanField(required=False, help_text="raw: more follow"),
        "next_start": serializers.CharField(
            required=False, help_text="raw, when truncated: the start of the next page"
        ),
    },
)


class CurrentValueSerializer(serializers.Serializer[dict[str, Any]]):
    """`GET …/current/`: the latest stored sample of the tag."""

    tag = serializers.CharField()
    ts = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    quality = serializers.ChoiceField(choices=["good", "uncertain", "bad"])
    corrected = serializers.BooleanField(required=False)
    has_correction = serializers.BooleanField(required=False)


class DisplaySaveSerializer(serializers.Serializer[Any]):
    """A trend view to save under a name (the service checks every rule)."""

    name = serializers.CharField(max_length=100)
    tags = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1)
    layout = serializers.ChoiceField(choices=TrendLayout.choices, default=TrendLayout.AXES)
    last = serializers.CharField(required=False, allow_blank=True, default="")
    start = serializers.CharField(required=False, allow_null=True, default=None)
    end = serializers.CharField(required=False, allow_null=True, default=None)


class DisplaySerializer(serializers.Serializer[Any]):
    """A saved display as answered (historian.selectors.display_json)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    layout = serializers.ChoiceField(choices=TrendLayout.choices)
    last = serializers.CharField()
    start = serializers.CharField(allow_null=True)
    end = serializers.CharField(allow_null=True)
    window = serializers.CharField(help_text="The window in words.")
    url = serializers.CharField(help_text="The trend page's address that opens the display.")
    created_at = serializers.CharField()
    updated_at = serializers.CharField()


class DisplayListSerializer(serializers.Serializer[Any]):
    results = DisplaySerializer(many=True)
