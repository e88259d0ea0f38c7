"""Executed steps: signed entries (and corrections) and their verification."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from ebr import selectors, services
from ebr.api import docs
from ebr.api.serializers import (
    EntryCreateSerializer,
    EntrySerializer,
    VerifySerializer,
)
from ebr.api.views.common import signing_session
from ebr.apps import CARRY


class EntryCreateView(LedgerlineAPIView):
    # Operators and supervisors sign; an MES may carry their signatures (the service checks).
    capabilities = {"POST": ("ebr.execute_steps", CARRY)}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.ENTRY_CREATE,
        parameters=[docs.BATCH_NUMBER, docs.STEP_CODE],
        request=EntryCreateSerializer,
        responses={201: EntrySerializer},
    )
    def post(self, request: Request, batch_number: str, step_code: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        body = EntryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.entry_record(
            actor=request.user, batch=batch, step_code=step_code, session=signing_session(request),
            **body.validated_data,
        )  # fmt: skip
        signed = selectors.entry_signatures(batch)
        return Response(selectors.entry_json(entry, signed), status=status.HTTP_201_CREATED)


class EntryVerifyView(LedgerlineAPIView):
    capabilities = {"POST": ("ebr.verify_steps", CARRY)}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.ENTRY_VERIFY,
        parameters=[docs.BATCH_NUMBER, docs.STEP_CODE],
        request=VerifySerializer,
        responses=EntrySerializer,
    )
    def post(self, request: Request, batch_number: str, step_code: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        body = VerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        verification = services.entry_verify(
            actor=request.user, batch=batch, step_code=step_code, session=signing_session(request),
            entry_id=body.validated_data["entry"], signature=body.validated_data["signature"],
        )  # fmt: skip
        entry = verification.entry
        entry.refresh_from_db()
        return Response(selectors.entry_json(entry, selectors.entry_signatures(batch)))
