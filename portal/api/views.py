"""The site's API: the status endpoint."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from portal.selectors import system_status


class StatusView(LedgerlineAPIView):
    public = True

    @extend_schema(
        summary="Service status",
        description='Anonymous callers get `{"status": "ok"}` only; authenticated '
        "callers also get versions, the database, TimescaleDB, the audit chain head, the "
        "scheduler, the historian's rollup backlog and the collectors' last heartbeats.",
        responses=inline_serializer(
            "StatusResponse",
            fields={
                "status": serializers.CharField(),
                "versions": serializers.DictField(required=False),
                "database": serializers.DictField(required=False),
                "timescaledb": serializers.DictField(required=False),
                "chain_head": serializers.DictField(required=False),
                "signing_key": serializers.DictField(required=False),
                "scheduler": serializers.DictField(required=False),
                "rollups": serializers.DictField(
                    required=False,
                    help_text="The historian's minutes owed to the rollups (stored since the "
                    "background drain last ran; reads recompute them): owed_minutes, oldest, "
                    "age_seconds, behind (older than 2 minutes).",
                ),
                "collectors": serializers.ListField(
                    child=serializers.DictField(),
                    required=False,
                    help_text="Every collector's last heartbeat (GET /api/v1/collectors/ for "
                    "the fields): buffered values, the oldest one's age, send rate, "
                    "quarantined batches, silent (no heartbeat for a minute).",
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        if not request.user or not request.user.is_authenticated:
            return Response({"status": "ok"})
        data: dict[str, Any] = {"status": "ok", **system_status()}
        return Response(data)
