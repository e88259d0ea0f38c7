"""RTD models per line and feeder (API.md, "Lines, lots, RTD and genealogy")."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from ebr import selectors, services
from ebr.api import docs
from ebr.api.serializers.genealogy import (
    RtdFitRequestSerializer,
    RtdFitSerializer,
    RtdModelCreateSerializer,
    RtdModelListSerializer,
    RtdModelSerializer,
)
from ebr.apps import READ
from ebr.models import RtdModelVersion

FEEDER = OpenApiParameter("feeder", str, description="Only this feeder's versions.")


class RtdModelListView(LedgerlineAPIView, generics.GenericAPIView[RtdModelVersion]):
    capabilities = {"GET": READ, "POST": "ebr.manage_lines"}
    parser_classes = [JSONParser]
    serializer_class = RtdModelCreateSerializer  # what OPTIONS describes of a POST

    @extend_schema(
        **docs.RTD_MODELS_LIST,
        operation_id="ebr_rtd_models_list",
        parameters=[docs.LINE_CODE, FEEDER],
        responses=RtdModelListSerializer,
    )
    def get(self, request: Request, code: str) -> Response:
        line = get_object_or_404(selectors.lines(), code=code)
        found = selectors.rtd_models(line, request.query_params.get("feeder", "").strip())
        page = self.paginate_queryset(found) or []
        return self.get_paginated_response([selectors.rtd_json(v) for v in page])

    @extend_schema(
        **docs.RTD_MODEL_CREATE,
        parameters=[docs.LINE_CODE],
        request=RtdModelCreateSerializer,
        responses={201: RtdModelSerializer},
    )
    def post(self, request: Request, code: str) -> Response:
        line = get_object_or_404(selectors.lines(), code=code)
        body = RtdModelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.rtd_model_create(actor=request.user, line=line, **body.validated_data)
        return Response(selectors.rtd_json(version), status=status.HTTP_201_CREATED)


class RtdFitView(LedgerlineAPIView):
    capabilities = {"POST": "ebr.manage_lines"}
    parser_classes = [JSONParser]

    @extend_schema(
        **docs.RTD_FIT,
        parameters=[docs.LINE_CODE],
        request=RtdFitRequestSerializer,
        responses={200: RtdFitSerializer},
    )
    def post(self, request: Request, code: str) -> Response:
        line = get_object_or_404(selectors.lines(), code=code)
        body = RtdFitRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(selectors.rtd_fit_from_tags(line, **body.validated_data))
