"""Deviations: list, raise, detail and the signed workflow."""

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
    DeviationCreateSerializer,
    DeviationListSerializer,
    DeviationSerializer,
    DeviationTransitionSerializer,
)
from ebr.api.views.common import signing_session
from ebr.apps import CARRY, READ
from ebr.models import Deviation


def _deviation(deviation: Deviation) -> dict[str, Any]:
    """One deviation in full: with the outlet diversion window its excursion implies."""
    body = selectors.deviation_json(
        deviation, selectors.deviation_signatures([deviation])[deviation.pk]
    )
    body["diversion"] = selectors.deviation_diversion(deviation)
    return body


class DeviationListView(LedgerlineAPIView, generics.GenericAPIView[Deviation]):
    capabilities = {"GET": READ, "POST": "ebr.raise_deviations"}
    parser_classes = [JSONParser]
    serializer_class = DeviationCreateSerializer  # what OPTIONS describes of a POST

    @extend_schema(
        **docs.DEVIATIONS_LIST,
        operation_id="ebr_deviations_list",
        parameters=docs.DEVIATION_FILTERS,
        responses=DeviationListSerializer,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        found = selectors.deviations(
            **{k: params.get(k, "").strip() for k in ("line", "batch_number", "status", "kind")}
        )
        page = list(self.paginate_queryset(found) or [])
        signed = selectors.deviation_signatures(page)
        return self.get_paginated_response(
            [selectors.deviation_json(d, signed[d.pk]) for d in page]
        )

    @extend_schema(
        **docs.DEVIATION_CREATE,
        request=DeviationCreateSerializer,
        responses={201: DeviationSerializer},
    )
    def post(self, request: Request) -> Response:
        body = DeviationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        deviation, _ = services.deviation_raise(actor=request.user, **body.validated_data)
        return Response(_deviation(deviation), status=status.HTTP_201_CREATED)


class DeviationDetailView(LedgerlineAPIView):
    capabilities = {"GET": READ}

    @extend_schema(
        **docs.DEVIATION_GET, parameters=[docs.DEVIATION_NUMBER], responses=DeviationSerializer
    )
    def get(self, request: Request, number: str) -> Response:
        return Response(_deviation(get_object_or_404(selectors.deviations(), number=number)))


class DeviationTransitionView(LedgerlineAPIView):
    # QA, or an integration account carrying a QA reviewer's signature (the service checks).
    capabilities = {"POST": ("ebr.review_batches", CARRY)}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.DEVIATION_TRANSITION,
        parameters=[docs.DEVIATION_NUMBER],
        request=DeviationTransitionSerializer,
        responses=DeviationSerializer,
    )
    def post(self, request: Request, number: str) -> Response:
        deviation = get_object_or_404(selectors.deviations(), number=number)
        body = DeviationTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.deviation_transition(
            actor=request.user, deviation=deviation, session=signing_session(request),
            **body.validated_data,
        )  # fmt: skip
        return Response(_deviation(moved))
