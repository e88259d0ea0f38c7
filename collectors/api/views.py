"""Collectors API: heartbeats in, their state out (thin views over the service and selector)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from collectors import selectors, services
from collectors.api.serializers import CollectorSerializer, HeartbeatSerializer
from core.api.views import LedgerlineAPIView

NAME = OpenApiParameter("name", str, OpenApiParameter.PATH, description="the collector's name")


class HeartbeatView(LedgerlineAPIView):
    capabilities = {"POST": "historian.ingest_samples"}
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Report a collector's state",
        description=(
            "A collector (manage.py collect) reports every 10 s what its store-and-forward "
            "buffer holds: values not yet stored (`buffered`), how long the oldest has waited, "
            "bytes used of its limit, values sent per second over the last minute, batches the "
            "historian refused for good (`quarantined`) and its last error. The server records "
            "the time. A name belongs to the service account that first reported it: another "
            "account's heartbeat under it is 403 `collector_taken`. Shown on System status and "
            "by `manage.py status`, with an alarm when a collector is silent for a minute."
        ),
        parameters=[NAME],
        request=HeartbeatSerializer,
        responses={200: CollectorSerializer},
    )
    def post(self, request: Request, name: str) -> Response:
        body = HeartbeatSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        collector = services.heartbeat_record(
            account=request.user, name=name, figures=body.validated_data
        )
        row = selectors.collector_row(collector)
        return Response(CollectorSerializer(row).data, status=status.HTTP_200_OK)


class CollectorListView(LedgerlineAPIView):
    capabilities = {"GET": "historian.view_process_data"}

    @extend_schema(
        summary="Collectors and their state",
        description="Every collector that reported, with `silent` (no heartbeat for a "
        "minute) and `behind` (values waiting over 5 minutes).",
        responses=CollectorSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return Response(CollectorSerializer(selectors.collector_status(), many=True).data)
