"""The root-cause ranking's answer, described for the OpenAPI schema (API.md names
`candidates`; the rest is documented here)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class CandidateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=["tag", "lot_switch", "step_entry", "equipment_event"],
        help_text="tag, lot_switch (a feed), step_entry (entries and corrections) or "
        "equipment_event (a change of a state, on/off or set-point tag)",
    )
    ref = serializers.CharField(
        help_text="The tag's name; `feed:<id>`; `entry:<id>`; `<tag>@<ISO time>` for an event"
    )
    tag = serializers.CharField(allow_null=True, help_text="For tags and equipment events")
    score = serializers.FloatField(help_text="0–1, higher is more likely; ranks, not a probability")
    lag_s = serializers.FloatField(
        allow_null=True, help_text="Transport delay to the deviation's tag (s)"
    )
    onset = serializers.DateTimeField(
        allow_null=True, help_text="When its change began (ISO UTC); null if it did not change"
    )
    evidence = serializers.DictField(
        help_text="The statistics that ranked it: explained_r2, timing, size_sigma, size, "
        "lag_prior, lag_source (rtd, cross_correlation, event, window), rtd_model, "
        "consequence, moves_with_target, follows {ref, r2}, loop {role, …}, resolution_s"
    )


class ChartSerializer(serializers.Serializer[Any]):
    ref = serializers.CharField()
    kind = serializers.CharField()
    tag = serializers.CharField(allow_null=True)
    lag_s = serializers.FloatField(allow_null=True)
    lag_source = serializers.CharField(allow_null=True)
    start = serializers.DateTimeField(help_text="The first block's start")
    step_s = serializers.IntegerField(help_text="Block length (s)")
    target = serializers.ListField(
        child=serializers.FloatField(allow_null=True), help_text="The deviation's tag, block means"
    )
    carried = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="The candidate carried to the tag (shifted by its lag or through the RTD), "
        "in its own unit",
    )
    fitted = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="The tag as the candidate explains it",
    )


class RootCauseSerializer(serializers.Serializer[Any]):
    deviation = serializers.CharField()
    line = serializers.CharField()
    target = serializers.DictField(help_text="`tag` and the `onset` of its change")
    window = serializers.DictField(help_text="`start`, `end`: the stretch analysed")
    analysis_window = serializers.DictField(allow_null=True, help_text="Where the fits were judged")
    resolutions_s = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Block lengths used: 10 s, and 60 s for a look-back beyond two hours",
    )
    method = serializers.CharField(help_text="How the ranking works, loops included")
    caveats = serializers.ListField(
        child=serializers.CharField(), help_text="Where the ranking can be wrong"
    )
    notes = serializers.ListField(child=serializers.CharField())
    candidates = CandidateSerializer(many=True, help_text="Best first")
    series = ChartSerializer(
        many=True, required=False, help_text="With `series=N`: evidence charts of the best N"
    )
