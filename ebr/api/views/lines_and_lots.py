"""Lines and material lots (API.md, "Lines, lots, RTD and genealogy")."""

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
    LineCreateSerializer,
    LineListSerializer,
    LineSerializer,
    LotCreateSerializer,
    LotDispositionSerializer,
    LotListSerializer,
    LotSerializer,
)
from ebr.api.views.common import signing_session
from ebr.apps import CARRY, READ
from ebr.models import Line, MaterialLot


class LineListView(LedgerlineAPIView, generics.GenericAPIView[Line]):
    capabilities = {"GET": READ, "POST": "ebr.manage_lines"}
    parser_classes = [JSONParser]
    serializer_class = LineCreateSerializer  # what OPTIONS describes of a POST

    @extend_schema(**docs.LINES_LIST, operation_id="ebr_lines_list", responses=LineListSerializer)
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.lines()) or []
        return self.get_paginated_response([selectors.line_json(line) for line in page])

    @extend_schema(
        **docs.LINE_CREATE, request=LineCreateSerializer, responses={201: LineSerializer}
    )
    def post(self, request: Request) -> Response:
        body = LineCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        line = services.line_create(actor=request.user, **body.validated_data)
        return Response(selectors.line_json(line, detail=True), status=status.HTTP_201_CREATED)


class LineDetailView(LedgerlineAPIView):
    capabilities = {"GET": READ}

    @extend_schema(**docs.LINE_GET, parameters=[docs.LINE_CODE], responses=LineSerializer)
    def get(self, request: Request, code: str) -> Response:
        line = get_object_or_404(selectors.lines(), code=code)
        return Response(selectors.line_json(line, detail=True))


class LotListView(LedgerlineAPIView, generics.GenericAPIView[MaterialLot]):
    capabilities = {"GET": READ, "POST": "ebr.manage_lots"}
    parser_classes = [JSONParser]
    serializer_class = LotCreateSerializer  # what OPTIONS describes of a POST

    @extend_schema(
        **docs.LOTS_LIST,
        operation_id="ebr_lots_list",
        parameters=docs.LOT_FILTERS,
        responses=LotListSerializer,
    )
    def get(self, request: Request) -> Response:
        found = selectors.lots(
            material=request.query_params.get("material", "").strip(),
            status=request.query_params.get("status", "").strip(),
        )
        page = list(self.paginate_queryset(found) or [])
        signed = selectors.lot_dispositions(page)
        body = [selectors.lot_json(lot, signed.get(lot.pk)) for lot in page]
        return self.get_paginated_response(body)

    @extend_schema(**docs.LOT_CREATE, request=LotCreateSerializer, responses={201: LotSerializer})
    def post(self, request: Request) -> Response:
        body = LotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lot = services.lot_create(actor=request.user, **body.validated_data)
        return Response(selectors.lot_json(lot), status=status.HTTP_201_CREATED)


class LotDetailView(LedgerlineAPIView):
    capabilities = {"GET": READ}

    @extend_schema(**docs.LOT_GET, parameters=[docs.MATERIAL, docs.LOT], responses=LotSerializer)
    def get(self, request: Request, material: str, lot: str) -> Response:
        found = get_object_or_404(MaterialLot, material=material, lot=lot)
        return Response(
            selectors.lot_json(found, selectors.lot_dispositions([found]).get(found.pk))
        )


class LotDispositionView(LedgerlineAPIView):
    # QA, or an integration account carrying a QA reviewer's signature (the service checks
    # the signer).
    capabilities = {"POST": ("ebr.dispose_lots", CARRY)}
    parser_classes = [JSONParser]
    error_statuses = {"POST": {409}}

    @extend_schema(
        **docs.LOT_DISPOSITION,
        parameters=[docs.MATERIAL, docs.LOT],
        request=LotDispositionSerializer,
        responses=LotSerializer,
    )
    def post(self, request: Request, material: str, lot: str) -> Response:
        found = get_object_or_404(MaterialLot, material=material, lot=lot)
        body = LotDispositionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        disposed = services.lot_dispose(
            actor=request.user, lot=found, session=signing_session(request), **body.validated_data
        )
        signature = selectors.lot_dispositions([disposed]).get(disposed.pk)
        return Response(selectors.lot_json(disposed, signature))
