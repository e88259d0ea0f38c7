"""The LIMS bridge's API (API.md, "LIMS bridge"): thin views over services and selectors."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from ebr.apps import READ
from lims_bridge import selectors, services
from lims_bridge.api import docs
from lims_bridge.api.serializers import (
    ImportRequestSerializer,
    ImportSerializer,
    MappingListSerializer,
    MappingSerializer,
    OutcomesSerializer,
    PullRequestSerializer,
    ResultListSerializer,
    ResultPushSerializer,
    ResultSerializer,
    TransferListSerializer,
    TransferSerializer,
)
from lims_bridge.apps import IMPORT, PUSH
from lims_bridge.errors import LimsError
from lims_bridge.models import ColumnMapping, Result, Transfer

BATCH = OpenApiParameter("batch_number", str, description="Only this batch's results.")
KIND = OpenApiParameter("kind", str, description="`file` or `senaite`.")


class ResultListView(LedgerlineAPIView, generics.GenericAPIView[Result]):
    capabilities = {"GET": READ, "POST": PUSH}
    parser_classes = [JSONParser]
    serializer_class = ResultPushSerializer
    error_statuses = {"POST": {409, 422}}

    @extend_schema(**docs.RESULTS_LIST, operation_id="lims_results_list", parameters=[BATCH],
                   responses=ResultListSerializer)  # fmt: skip
    def get(self, request: Request) -> Response:
        found = selectors.latest_results(request.query_params.get("batch_number", "").strip())
        page = list(self.paginate_queryset(found) or [])
        return self.get_paginated_response(selectors.results_json(page))

    @extend_schema(**docs.RESULTS_PUSH, request=ResultPushSerializer,
                   responses={201: ResultSerializer, 200: OutcomesSerializer})  # fmt: skip
    def post(self, request: Request) -> Response:
        body: Any = request.data
        many = isinstance(body, dict) and set(body) == {"results"}
        raws = body["results"] if many else [body]
        if not isinstance(raws, list) or not raws:
            raise LimsError("results is a non-empty list of results.",
                            fields={"results": "a non-empty list"})  # fmt: skip
        stored = services.store_results(actor=request.user, raws=raws)
        code = status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK
        if not many:
            return Response(selectors.result_json(stored.outcomes[0].result), status=code)
        return Response(
            {"results": [{"lims_id": o.lims_id, "revision": o.revision, "outcome": o.outcome}
                         for o in stored.outcomes]},
            status=code,
        )  # fmt: skip


class MappingListView(LedgerlineAPIView, generics.GenericAPIView[ColumnMapping]):
    capabilities = {"GET": (READ, IMPORT), "POST": IMPORT}
    parser_classes = [JSONParser]
    serializer_class = MappingSerializer

    @extend_schema(**docs.MAPPINGS_LIST, operation_id="lims_mappings_list",
                   responses=MappingListSerializer)  # fmt: skip
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.mappings().order_by("-pk")) or []
        return self.get_paginated_response([selectors.mapping_json(m) for m in page])

    @extend_schema(**docs.MAPPING_SAVE, request=MappingSerializer,
                   responses={201: MappingSerializer, 200: MappingSerializer})  # fmt: skip
    def post(self, request: Request) -> Response:
        data: Any = request.data if isinstance(request.data, dict) else {}
        mapping, created = services.mapping_save(
            actor=request.user, name=data.get("name"), columns=data.get("columns"),
            sheet=data.get("sheet") or "", timestamp_format=data.get("timestamp_format") or "",
        )  # fmt: skip
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(selectors.mapping_json(mapping), status=code)


def _transfer(request: Request, transfer: Transfer) -> dict[str, Any]:
    body = selectors.transfer_json(transfer)
    body["status_url"] = request.build_absolute_uri(
        reverse("api-lims-transfer", args=[transfer.pk])
    )
    return body


class ImportView(LedgerlineAPIView, generics.GenericAPIView[Transfer]):
    capabilities = {"GET": (READ, IMPORT), "POST": IMPORT}
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportRequestSerializer
    error_statuses = {"POST": {409, 422}}

    @extend_schema(**docs.TRANSFERS_LIST, operation_id="lims_transfers_list", parameters=[KIND],
                   responses=TransferListSerializer)  # fmt: skip
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.transfers(request.query_params.get("kind", "")))
        return self.get_paginated_response([_transfer(request, t) for t in page or []])

    @extend_schema(**docs.IMPORT, request={"multipart/form-data": ImportRequestSerializer},
                   responses={201: ImportSerializer, 200: ImportSerializer})  # fmt: skip
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        mapping = request.data.get("mapping", "")
        if upload is None:
            raise LimsError("file is required: a CSV or .xlsx file.", fields={"file": "required"})
        content, name = upload.read(), upload.name or "upload"
        if str(request.data.get("preview", "")).lower() in {"true", "1", "yes"}:
            preview = services.file_preview(content, name, mapping)
            return Response({"rows": preview.rows, "problems": preview.problems})
        transfer, stored = services.file_import(actor=request.user, content=content,
                                                filename=name, mapping_name=mapping)  # fmt: skip
        rows = [{"row": i + 2, "lims_id": o.lims_id, "revision": o.revision,
                 "outcome": o.outcome} for i, o in enumerate(stored.outcomes)]  # fmt: skip
        code = status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK
        return Response({"transfer": _transfer(request, transfer), "results": rows}, status=code)


class PullView(LedgerlineAPIView):
    capabilities = {"POST": IMPORT}
    parser_classes = [JSONParser]

    @extend_schema(**docs.PULL, request=PullRequestSerializer,
                   responses={202: TransferSerializer})  # fmt: skip
    def post(self, request: Request) -> Response:
        from lims_bridge.tasks import pull

        data: Any = request.data if isinstance(request.data, dict) else {}
        if data.get("source") != "senaite":
            raise LimsError("source is senaite (the one LIMS pulled from).",
                            fields={"source": "senaite"})  # fmt: skip
        transfer = services.pull_queue(actor=request.user, since=data.get("since"))
        pull.defer(transfer_id=transfer.pk, username=request.user.get_username())
        return Response(_transfer(request, transfer), status=status.HTTP_202_ACCEPTED)


class TransferView(LedgerlineAPIView):
    capabilities = {"GET": (READ, IMPORT)}

    @extend_schema(**docs.TRANSFER_GET, parameters=[OpenApiParameter(
        "transfer_id", int, OpenApiParameter.PATH, description="The import or pull")],
        responses=TransferSerializer)  # fmt: skip
    def get(self, request: Request, transfer_id: int) -> Response:
        return Response(_transfer(request, services.transfer_get(transfer_id)))
