from __future__ import annotations

from typing import Any

from rest_framework import serializers

from collectors.models import Collector


class HeartbeatSerializer(serializers.Serializer[Any]):
    """`POST /api/v1/collectors/{name}/heartbeat/`: what a collector holds and sends."""

    kind = serializers.ChoiceField(choices=Collector.Kind.choices)
    buffered = serializers.IntegerField(min_value=0, max_value=2**62)
    oldest_age_seconds = serializers.FloatField(min_value=0, allow_null=True)
    buffer_bytes = serializers.IntegerField(min_value=0, max_value=2**62)
    max_bytes = serializers.IntegerField(min_value=0, max_value=2**62)
    send_rate = serializers.FloatField(min_value=0, max_value=1e12)
    quarantined = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    last_error = serializers.CharField(allow_blank=True, max_length=2000, required=False,
                                       default="")  # fmt: skip


class CollectorSerializer(serializers.Serializer[Any]):
    """A collector as the status API shows it."""

    name = serializers.CharField()
    kind = serializers.CharField()
    last_seen = serializers.DateTimeField()
    silent_seconds = serializers.FloatField()
    buffered = serializers.IntegerField()
    oldest_age_seconds = serializers.FloatField(allow_null=True)
    buffer_bytes = serializers.IntegerField()
    max_bytes = serializers.IntegerField()
    send_rate = serializers.FloatField()
    quarantined = serializers.IntegerField()
    last_error = serializers.CharField()
    silent = serializers.BooleanField()
    behind = serializers.BooleanField()
