"""Batches: plan, list, detail with steps and deviations, moves, closing."""

from __future__ import annotations

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
    BatchCloseSerializer,
    BatchCreateSerializer,
    BatchListSerializer,
    BatchPatchSerializer,
    BatchSerializer,
    BatchTransitionSerializer,
)
from ebr.apps import READ
from ebr.models import Batch


class BatchListView(LedgerlineAPIView, generics.GenericAPIView[Batch]):
    capabilities = {"GET": READ, "POST": "ebr.manage_batches"}
    parser_classes = [JSONParser]
    serializer_class = BatchCreateSerializer  # what OPTIONS describes of a POST
    error_statuses = {"POST": {409, 422}}

    @extend_schema(
        **docs.BATCHES_LIST,
        operation_id="ebr_batches_list",
        parameters=docs.BATCH_FILTERS,
        responses=BatchListSerializer,
    )
    def get(self, request: Request) -> Response:
        found = selectors.batches(
            line=request.query_params.get("line", "").strip(),
            status=request.query_params.get("status", "").strip(),
        )
        page = self.paginate_queryset(found) or []
        return self.get_paginated_response([selectors.batch_json(b) for b in page])

    @extend_schema(
        **docs.BATCH_CREATE, request=BatchCreateSerializer, responses={201: BatchSerializer}
    )
    def post(self, request: Request) -> Response:
        body = BatchCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = services.batch_create(actor=request.user, **body.validated_data)
        return Response(selectors.batch_detail_json(batch), status=status.HTTP_201_CREATED)


class BatchDetailView(LedgerlineAPIView):
    capabilities = {"GET": READ, "PATCH": "ebr.manage_batches"}
    parser_classes = [JSONParser]
    error_statuses = {"PATCH": {409}}

    @extend_schema(**docs.BATCH_GET, parameters=[docs.BATCH_NUMBER], responses=BatchSerializer)
    def get(self, request: Request, batch_number: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        return Response(selectors.batch_detail_json(batch))

    @extend_schema(
        **docs.BATCH_PATCH,
        parameters=[docs.BATCH_NUMBER],
        request=BatchPatchSerializer,
        responses=BatchSerializer,
    )
    def patch(self, request: Request, batch_number: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        body = BatchPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.batch_move_end(actor=request.user, batch=batch, **body.validated_data)
        return Response(selectors.batch_detail_json(moved))


class BatchTransitionView(LedgerlineAPIView):
    # Supervisors and the MES start, close and cancel; QA takes a closed batch into review.
    capabilities = {"POST": ("ebr.manage_batches", "ebr.review_batches")}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.BATCH_TRANSITION,
        parameters=[docs.BATCH_NUMBER],
        request=BatchTransitionSerializer,
        responses=BatchSerializer,
    )
    def post(self, request: Request, batch_number: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        body = BatchTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.batch_transition(actor=request.user, batch=batch, **body.validated_data)
        return Response(selectors.batch_detail_json(moved))


class BatchCloseView(LedgerlineAPIView):
    capabilities = {"POST": "ebr.manage_batches"}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.BATCH_CLOSE,
        parameters=[docs.BATCH_NUMBER],
        request=BatchCloseSerializer,
        responses=BatchSerializer,
    )
    def post(self, request: Request, batch_number: str) -> Response:
        batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
        body = BatchCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.batch_transition(
            actor=request.user, batch=batch, status="closed", **body.validated_data
        )
        return Response(selectors.batch_detail_json(moved))
