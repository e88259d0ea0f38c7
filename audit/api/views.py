"""Audit API: the trail (cursor-paginated) and background verification."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from audit.api.serializers import (
    AuditEventSerializer,
    VerificationQueuedSerializer,
    VerificationSerializer,
)
from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.verification_runs import latest_run, pending_run, verification_request
from core.api.pagination import CursorPagination as LedgerlineCursor
from core.api.views import LedgerlineAPIView


class SeqCursor(LedgerlineCursor):
    ordering = "seq"


class AuditEventListView(LedgerlineAPIView, generics.ListAPIView[AuditEvent]):
    """The audit trail in chain order; filter by model, object_id, user, start, end."""

    capabilities = {"GET": "audit.view_audit_trail"}
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class: type[CursorPagination] = SeqCursor

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.filter(seq__isnull=False)


class VerifyView(LedgerlineAPIView):
    capabilities = {"GET": "audit.view_audit_trail", "POST": "audit.verify_audit_trail"}

    @extend_schema(
        summary="The latest verification",
        responses={200: VerificationSerializer, 404: OpenApiResponse(description="none yet")},
    )
    def get(self, request: Request) -> Response:
        run = latest_run()
        pending = pending_run()
        if run is None:
            return Response(
                {
                    "error": "not_found",
                    "detail": "No verification has finished yet.",
                    "pending": pending.pk if pending else None,
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        body = dict(VerificationSerializer(run).data)
        body["pending"] = pending.pk if pending else None
        return Response(body)

    @extend_schema(
        summary="Start a verification (runs in the background)",
        request=None,
        responses={202: VerificationQueuedSerializer},
    )
    def post(self, request: Request) -> Response:
        run = verification_request(actor=request.user)
        return Response(VerificationQueuedSerializer(run).data, status=status.HTTP_202_ACCEPTED)
