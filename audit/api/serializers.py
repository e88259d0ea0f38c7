from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.canonical import EVENT_FIELDS
from audit.models import AuditEvent, VerificationRun


class ActorSerializer(serializers.Serializer[dict[str, object]]):
    """Who acted: an account's id and username, or a system actor's name (id null)."""

    id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField()


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.SerializerMethodField()
    table = serializers.CharField(source="table_name")
    pk = serializers.CharField(source="record_pk")
    occurred_at = serializers.DateTimeField(format="%Y-%m-%dT%H:%M:%S.%fZ")

    class Meta:
        model = AuditEvent
        fields = [*EVENT_FIELDS, "hash"]  # the hashed content, then the hash

    @extend_schema_field(ActorSerializer)
    def get_actor(self, event: AuditEvent) -> dict[str, object]:
        return {"id": event.actor_id, "username": event.actor_username}


class VerificationSerializer(serializers.ModelSerializer[VerificationRun]):
    ok = serializers.SerializerMethodField()
    verified_at = serializers.DateTimeField(source="finished_at", format="%Y-%m-%dT%H:%M:%S.%fZ")
    anchored = serializers.SerializerMethodField(
        help_text="Whether the chain was checked against the witness journal of its checkpoints"
    )

    class Meta:
        model = VerificationRun
        fields = [
            "id",
            "ok",
            "status",
            "events",
            "head",
            "first_bad",
            "verified_at",
            "message",
            "anchored",
            "anchoring",
            "requested_by",
        ]

    def get_ok(self, run: VerificationRun) -> bool:
        return run.status == VerificationRun.Status.OK

    def get_anchored(self, run: VerificationRun) -> bool:
        return run.anchoring.startswith("anchored")


class VerificationQueuedSerializer(serializers.ModelSerializer[VerificationRun]):
    class Meta:
        model = VerificationRun
        fields = ["id", "status", "requested_by"]
