"""Review by exception and disposition: QA's signed look at each exception, and the signed
release or rejection of the batch."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from ebr import selectors, services
from ebr.api import docs
from ebr.api.serializers import (
    BatchDispositionSerializer,
    BatchReviewSerializer,
    BatchSerializer,
    ExceptionReviewSerializer,
    ExceptionSerializer,
)
from ebr.api.views.common import signing_session
from ebr.apps import CARRY, READ


class BatchExceptionsView(LedgerlineAPIView):
    capabilities = {"GET": READ}

    @extend_schema(
        **docs.BATCH_EXCEPTIONS, parameters=[docs.BATCH_NUMBER], responses=BatchReviewSerializer
    )
    def get(self, request: Request, batch_number: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        return Response(selectors.review_json(batch))


class ExceptionReviewView(LedgerlineAPIView):
    # QA, or an integration account carrying a QA reviewer's signature (the service checks).
    capabilities = {"POST": ("ebr.review_batches", CARRY)}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {404, 409}}

    @extend_schema(
        **docs.EXCEPTION_REVIEW,
        parameters=[docs.BATCH_NUMBER, docs.EXCEPTION_ID],
        request=ExceptionReviewSerializer,
        responses=ExceptionSerializer,
    )
    def post(self, request: Request, batch_number: str, exception_id: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        body = ExceptionReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.exception_review(
            actor=request.user, batch=batch, exception_id=exception_id,
            session=signing_session(request), **body.validated_data,
        )  # fmt: skip
        found = selectors.batch_exceptions(batch)
        return Response(next(e for e in found if e["id"] == exception_id))


class BatchDispositionView(LedgerlineAPIView):
    capabilities = {"POST": ("ebr.release_batches", CARRY)}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.BATCH_DISPOSITION,
        parameters=[docs.BATCH_NUMBER],
        request=BatchDispositionSerializer,
        responses=BatchSerializer,
    )
    def post(self, request: Request, batch_number: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        body = BatchDispositionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        disposed = services.batch_dispose(
            actor=request.user, batch=batch, session=signing_session(request),
            **body.validated_data,
        )  # fmt: skip
        return Response(selectors.batch_detail_json(disposed))
