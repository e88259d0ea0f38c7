"""Shapes of the RTD, feed, genealogy, diversion and fit endpoints for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class RtdModelCreateSerializer(serializers.Serializer[Any]):
    feeder = serializers.CharField(max_length=60, help_text="A feeder of the line (a child node)")
    model = serializers.ChoiceField(choices=["tanks_in_series", "axial_dispersion"])
    n = serializers.FloatField(
        required=False, allow_null=True, default=None, help_text="Tanks: their number, > 0"
    )
    peclet = serializers.FloatField(
        required=False, allow_null=True, default=None, help_text="Axial dispersion: Pe, > 0"
    )
    boundary = serializers.ChoiceField(
        choices=["closed", "open"], required=False, default="closed",
        help_text="Axial dispersion: `closed` (Danckwerts closed-closed) or `open`",
    )  # fmt: skip
    tau_s = serializers.FloatField(help_text="The mean residence time (s), after the dead time")
    delay_s = serializers.FloatField(required=False, default=0.0, help_text="Dead time (s)")
    effective_from = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="Default: now"
    )
    reason = serializers.CharField(max_length=1000)


class RtdModelSerializer(serializers.Serializer[Any]):
    line = serializers.CharField()
    feeder = serializers.CharField()
    version = serializers.IntegerField()
    model = serializers.CharField()
    n = serializers.FloatField(allow_null=True)
    peclet = serializers.FloatField(allow_null=True)
    boundary = serializers.CharField(allow_null=True)
    tau_s = serializers.FloatField()
    delay_s = serializers.FloatField()
    effective_from = serializers.CharField()
    reason = serializers.CharField()
    author = serializers.CharField()
    created_at = serializers.CharField()
    described = serializers.CharField(help_text="The model in words")


class RtdModelListSerializer(serializers.Serializer[Any]):
    results = RtdModelSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class FeedCreateSerializer(serializers.Serializer[Any]):
    feeder = serializers.CharField(max_length=60, help_text="A feeder of the line (a child node)")
    material = serializers.CharField(max_length=100)
    lot = serializers.CharField(max_length=100, help_text="A released lot of the material")
    start = serializers.CharField(help_text="When the lot began to be fed (ISO 8601, offset)")
    end = serializers.CharField(
        required=False, allow_null=True, default=None,
        help_text="Optional: when it stopped; else open until the next feed on the feeder",
    )  # fmt: skip


class FeedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    line = serializers.CharField()
    feeder = serializers.CharField()
    material = serializers.CharField()
    lot = serializers.CharField()
    start = serializers.CharField()
    end = serializers.CharField(allow_null=True, help_text="The end given, if any")
    until = serializers.CharField(
        allow_null=True, help_text="Its end, or the next feed's start; null while still in"
    )
    recorded_by = serializers.CharField()
    created_at = serializers.CharField()


class FeedListSerializer(serializers.Serializer[Any]):
    results = FeedSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class RtdVersionUsedSerializer(serializers.Serializer[Any]):
    feeder = serializers.CharField()
    version = serializers.IntegerField()
    effective_from = serializers.CharField()
    described = serializers.CharField()


class GenealogyInputSerializer(serializers.Serializer[Any]):
    feeder = serializers.CharField()
    material = serializers.CharField(allow_null=True, help_text="null: fed before any record")
    lot = serializers.CharField(allow_null=True, help_text="null: fed before any record")
    fraction = serializers.FloatField(help_text="Mass fraction of the feeder's material")


class BackwardSerializer(serializers.Serializer[Any]):
    line = serializers.CharField()
    start = serializers.CharField()
    end = serializers.CharField()
    weighted_by = serializers.CharField(
        allow_null=True, help_text="The outlet mass-flow tag weighting the window; null: even"
    )
    inputs = GenealogyInputSerializer(many=True)
    rtd_models = RtdVersionUsedSerializer(many=True)


class GenealogyOutputSerializer(serializers.Serializer[Any]):
    batch_number = serializers.CharField(allow_null=True, help_text="null: no batch ran then")
    line = serializers.CharField()
    feeder = serializers.CharField()
    start = serializers.CharField()
    end = serializers.CharField(allow_null=True, help_text="null: the lot is still in")
    max_fraction = serializers.FloatField()


class ForwardSerializer(serializers.Serializer[Any]):
    material = serializers.CharField()
    lot = serializers.CharField()
    threshold = serializers.FloatField()
    outputs = GenealogyOutputSerializer(many=True)
    rtd_models = RtdVersionUsedSerializer(many=True)


class DiversionSerializer(serializers.Serializer[Any]):
    line = serializers.CharField()
    feeder = serializers.CharField()
    start = serializers.CharField()
    end = serializers.CharField(allow_null=True)
    quantile = serializers.FloatField()
    divert_start = serializers.CharField(allow_null=True, help_text="null: nothing to divert")
    divert_end = serializers.CharField(allow_null=True)
    peak_deviation = serializers.FloatField(
        required=False, help_text="With `size`: the largest deviation at the outlet"
    )
    rtd_model = RtdVersionUsedSerializer()


class RtdFitRequestSerializer(serializers.Serializer[Any]):
    feeder = serializers.CharField(max_length=60, help_text="The feeder the test was made on")
    input_tag = serializers.CharField(help_text="The tracer or feed signal at the feeder")
    output_tag = serializers.CharField(help_text="The response at the outlet (e.g. NIR)")
    start = serializers.CharField(help_text="The test's start (ISO 8601, offset)")
    end = serializers.CharField(help_text="The test's end: 2 min to 12 h after start")
    model = serializers.ChoiceField(choices=["tanks_in_series", "axial_dispersion"])
    boundary = serializers.ChoiceField(choices=["closed", "open"], required=False,
                                       default="closed")  # fmt: skip


class RtdFitCurvesSerializer(serializers.Serializer[Any]):
    t_s = serializers.ListField(child=serializers.FloatField(), help_text="Seconds from start")
    input = serializers.ListField(child=serializers.FloatField(allow_null=True))
    measured = serializers.ListField(child=serializers.FloatField(allow_null=True))
    fitted = serializers.ListField(child=serializers.FloatField(allow_null=True))


class RtdFitSerializer(serializers.Serializer[Any]):
    line = serializers.CharField()
    feeder = serializers.CharField()
    input_tag = serializers.CharField()
    output_tag = serializers.CharField()
    start = serializers.CharField()
    end = serializers.CharField()
    model = serializers.CharField()
    n = serializers.FloatField(allow_null=True)
    peclet = serializers.FloatField(allow_null=True)
    boundary = serializers.CharField(allow_null=True)
    tau_s = serializers.FloatField(help_text="Mean residence time after the dead time")
    delay_s = serializers.FloatField(help_text="Dead time")
    described = serializers.CharField()
    gain = serializers.FloatField(help_text="Response per unit of input change")
    baseline = serializers.FloatField(help_text="The response before the test")
    r2 = serializers.FloatField(help_text="Coefficient of determination of the response")
    rmse = serializers.FloatField(help_text="Root mean square error, in the output's unit")
    samples = serializers.IntegerField(help_text="Seconds of the response fitted")
    curves = RtdFitCurvesSerializer()
