"""Master records: versions, edits of a draft, signed review and approval."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from ebr import selectors, services
from ebr.api import docs
from ebr.api.serializers import (
    MasterListSerializer,
    MasterPatchSerializer,
    MasterSerializer,
    MasterTransitionSerializer,
    MasterWriteSerializer,
)
from ebr.api.views.common import signing_session
from ebr.apps import CARRY, READ
from ebr.models import MasterRecord


def _master(record: MasterRecord) -> dict[str, Any]:
    return selectors.master_json(record, selectors.master_signatures([record])[record.pk])


class MasterListView(LedgerlineAPIView, generics.GenericAPIView[MasterRecord]):
    capabilities = {"GET": READ, "POST": "ebr.manage_master_records"}
    parser_classes = [JSONParser]
    serializer_class = MasterWriteSerializer  # what OPTIONS describes of a POST
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.MASTERS_LIST,
        operation_id="ebr_master_records_list",
        parameters=docs.MASTER_FILTERS,
        responses=MasterListSerializer,
    )
    def get(self, request: Request) -> Response:
        found = selectors.master_records(
            code=request.query_params.get("code", "").strip(),
            status=request.query_params.get("status", "").strip(),
        )
        page = list(self.paginate_queryset(found) or [])
        signed = selectors.master_signatures(page)
        return self.get_paginated_response([selectors.master_json(r, signed[r.pk]) for r in page])

    @extend_schema(
        **docs.MASTER_CREATE, request=MasterWriteSerializer, responses={201: MasterSerializer}
    )
    def post(self, request: Request) -> Response:
        body = MasterWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.master_create(actor=request.user, **body.validated_data)
        return Response(_master(record), status=status.HTTP_201_CREATED)


class MasterDetailView(LedgerlineAPIView):
    capabilities = {"GET": READ, "PATCH": "ebr.manage_master_records"}
    parser_classes = [JSONParser]
    error_statuses = {"PATCH": {409}}

    @extend_schema(
        **docs.MASTER_GET,
        parameters=[docs.MASTER_CODE, docs.MASTER_VERSION],
        responses=MasterSerializer,
    )
    def get(self, request: Request, code: str, version: int) -> Response:
        return Response(
            _master(get_object_or_404(selectors.master_records(), code=code, version=version))
        )

    @extend_schema(
        **docs.MASTER_PATCH,
        parameters=[docs.MASTER_CODE, docs.MASTER_VERSION],
        request=MasterPatchSerializer,
        responses=MasterSerializer,
    )
    def patch(self, request: Request, code: str, version: int) -> Response:
        record = get_object_or_404(selectors.master_records(), code=code, version=version)
        body = MasterPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        reason = changes.pop("reason")
        updated = services.master_update(
            actor=request.user, record=record, reason=reason, **changes
        )
        return Response(_master(updated))


class MasterTransitionView(LedgerlineAPIView):
    # Authors submit, QA approves and releases for use (or an integration account carrying a
    # QA reviewer's signature); the service checks who may make each move.
    capabilities = {"POST": ("ebr.manage_master_records", "ebr.approve_master_records", CARRY)}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.MASTER_TRANSITION,
        parameters=[docs.MASTER_CODE, docs.MASTER_VERSION],
        request=MasterTransitionSerializer,
        responses=MasterSerializer,
    )
    def post(self, request: Request, code: str, version: int) -> Response:
        record = get_object_or_404(selectors.master_records(), code=code, version=version)
        body = MasterTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.master_transition(
            actor=request.user,
            record=record,
            session=signing_session(request),
            **body.validated_data,
        )
        return Response(_master(moved))
