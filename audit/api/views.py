"""Audit API: the trail (cursor-paginated) and background verification."""

from __future__ import annotations

from typing import Any

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

    @extend_schema(
        summary="The audit trail",
        description=(
            "Sealed events in chain order (`seq`), cursor-paginated (`{results, next}`). "
            "`model` takes a table name (`ebr_batch`), `app_label.model` (`ebr.batch`) or the "
            "name people use (`Annotation`); `start`/`end` are ISO 8601 with an offset."
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class VerifyView(LedgerlineAPIView):
    capabilities = {"GET": "audit.view_audit_trail", "POST": "audit.verify_audit_trail"}

    @extend_schema(
        summary="The latest verification",
        description=(
            "The last finished verification of the chain: `{ok, events, head, first_bad, "
            "verified_at}`, with `pending` the id of a run still queued or running. 404 "
            "`not_found` until one has finished."
        ),
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
        description=(
            "Queues a full verification of the chain (hashes, links, signatures, checkpoints, "
            "witness, audited rows) for the scheduler; 202 with the run's id. Poll GET for the "
            "result. Needs the verify capability (QA, auditor)."
        ),
        request=None,
        responses={202: VerificationQueuedSerializer},
    )
    def post(self, request: Request) -> Response:
        run = verification_request(actor=request.user)
        return Response(VerificationQueuedSerializer(run).data, status=status.HTTP_202_ACCEPTED)
