"""Batch-record API (API.md, "Lines, lots, RTD and genealogy" and "Electronic batch
records"): thin views over services and selectors."""

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
    BatchCloseSerializer,
    BatchCreateSerializer,
    BatchListSerializer,
    BatchPatchSerializer,
    BatchSerializer,
    BatchTransitionSerializer,
    DeviationCreateSerializer,
    DeviationListSerializer,
    DeviationSerializer,
    DeviationTransitionSerializer,
    EntryCreateSerializer,
    EntrySerializer,
    LineCreateSerializer,
    LineListSerializer,
    LineSerializer,
    LotCreateSerializer,
    LotDispositionSerializer,
    LotListSerializer,
    LotSerializer,
    MasterListSerializer,
    MasterPatchSerializer,
    MasterSerializer,
    MasterTransitionSerializer,
    MasterWriteSerializer,
    VerifySerializer,
)
from ebr.apps import CARRY, READ
from ebr.models import Batch, Deviation, Line, MasterRecord, MaterialLot


def _session(request: Request) -> Any:
    """The browser session that signs (continuous signing), or None for a token."""
    return request.session if request.auth is None else None


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
            actor=request.user, lot=found, session=_session(request), **body.validated_data
        )
        signature = selectors.lot_dispositions([disposed]).get(disposed.pk)
        return Response(selectors.lot_json(disposed, signature))


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
            actor=request.user, record=record, session=_session(request), **body.validated_data
        )
        return Response(_master(moved))


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


def _deviation(deviation: Deviation) -> dict[str, Any]:
    return selectors.deviation_json(
        deviation, selectors.deviation_signatures([deviation])[deviation.pk]
    )


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
            actor=request.user, deviation=deviation, session=_session(request),
            **body.validated_data,
        )  # fmt: skip
        return Response(_deviation(moved))


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
            actor=request.user, batch=batch, step_code=step_code, session=_session(request),
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
            actor=request.user, batch=batch, step_code=step_code, session=_session(request),
            entry_id=body.validated_data["entry"], signature=body.validated_data["signature"],
        )  # fmt: skip
        entry = verification.entry
        entry.refresh_from_db()
        return Response(selectors.entry_json(entry, selectors.entry_signatures(batch)))
