"""Historian API (API.md, "Historian"): thin views over services, ingest and reads."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.parsers import CSVRenderer, CSVTextParser, FastJSONParser
from core.api.views import LedgerlineAPIView
from historian import selectors, services
from historian.api import docs
from historian.api.serializers import (
    AnnotationSerializer,
    CorrectionSerializer,
    CurrentValueSerializer,
    DisplayListSerializer,
    DisplaySaveSerializer,
    DisplaySerializer,
    IngestRequestSerializer,
    IngestResponseSerializer,
    TagCreateSerializer,
    TagPatchSerializer,
    TagSerializer,
    ValuesResponseSerializer,
)
from historian.api.values import parse_params, point_json, values_json
from historian.filters import TagFilter, overlapping
from historian.ingest import csv_items, ingest_samples
from historian.models import Annotation, Correction, Tag

READ = "historian.view_process_data"


class TagListView(LedgerlineAPIView, generics.ListAPIView[Tag]):
    capabilities = {"GET": READ, "POST": "historian.manage_tags"}
    serializer_class = TagSerializer
    parser_classes = [JSONParser]

    queryset = Tag.objects.select_related("equipment")
    filterset_class = TagFilter

    @extend_schema(**docs.TAGS_LIST)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(**docs.TAG_CREATE, request=TagCreateSerializer, responses={201: TagSerializer})
    def post(self, request: Request) -> Response:
        body = TagCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tag = services.tag_create(actor=request.user, **body.validated_data)
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)


class TagDetailView(LedgerlineAPIView):
    capabilities = {"GET": READ, "PATCH": "historian.manage_tags"}
    parser_classes = [JSONParser]

    @extend_schema(**docs.TAG_GET, parameters=[docs.TAG_NAME], responses=TagSerializer)
    def get(self, request: Request, name: str) -> Response:
        return Response(TagSerializer(get_object_or_404(Tag, name=name)).data)

    @extend_schema(
        **docs.TAG_PATCH,
        parameters=[docs.TAG_NAME],
        request=TagPatchSerializer,
        responses=TagSerializer,
    )
    def patch(self, request: Request, name: str) -> Response:
        tag = get_object_or_404(Tag, name=name)
        body = TagPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        reason = changes.pop("reason")
        tag = services.tag_update(actor=request.user, tag=tag, reason=reason, **changes)
        return Response(TagSerializer(tag).data)


class SampleIngestView(LedgerlineAPIView):
    """Ingest samples (JSON, or CSV with the key in `Idempotency-Key` and `?source=`)."""

    error_statuses = {"POST": {409, 422}}
    capabilities = {"POST": "historian.ingest_samples"}
    parser_classes = [FastJSONParser, CSVTextParser]

    @extend_schema(
        **docs.INGEST,
        request=IngestRequestSerializer,
        responses={201: IngestResponseSerializer, 200: IngestResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        payload_sha256 = hashlib.sha256(request.body).hexdigest()
        if isinstance(request.data, str):
            source = request.query_params.get("source", "")
            key = request.headers.get("Idempotency-Key", "")
            items: Any = csv_items(request.data)
        else:
            data = request.data if isinstance(request.data, dict) else {}
            source, key = str(data.get("source") or ""), str(data.get("ingest_key") or "")
            items = data.get("samples")
        result = ingest_samples(
            actor=request.user,
            source=source,
            ingest_key=key,
            items=items,
            payload_sha256=payload_sha256,
        )
        return Response(result.body, status=result.status)


class TagValuesView(LedgerlineAPIView):
    capabilities = {"GET": READ}
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        **docs.VALUES,
        parameters=docs.VALUE_PARAMS,
        responses={200: ValuesResponseSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request, name: str) -> Response | HttpResponse:
        tag = get_object_or_404(Tag, name=name)
        spec = parse_params(request.query_params)
        body = values_json(tag, spec, selectors.read(tag, spec))
        if request.accepted_renderer.format == "csv":
            return _csv(body)
        return Response(body)


def _csv(body: dict[str, Any]) -> HttpResponse:
    values = body["values"]
    columns: list[str] = []
    for row in values:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tag", *columns])
    for row in values:
        writer.writerow([body["tag"], *(row.get(c, "") for c in columns)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{body["tag"]}.csv"'
    return response


class TagCurrentView(LedgerlineAPIView):
    capabilities = {"GET": READ}

    @extend_schema(
        **docs.CURRENT, parameters=[docs.TAG_NAME], responses={200: CurrentValueSerializer}
    )
    def get(self, request: Request, name: str) -> Response:
        tag = get_object_or_404(Tag, name=name)
        current = selectors.current(tag)
        if current is None:
            return Response(
                {"error": "not_found", "detail": f"{tag.name} has no samples yet."},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response({"tag": tag.name, **point_json(current)})


class AnnotationListView(LedgerlineAPIView, generics.ListAPIView[Annotation]):
    capabilities = {"GET": READ, "POST": "historian.annotate"}
    serializer_class = AnnotationSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Annotation]:
        name = self.kwargs.get("name", "")  # absent while the schema is generated
        found = Annotation.objects.filter(tag__name=name).select_related("author")
        return overlapping(found, self.request.query_params)

    @extend_schema(**docs.ANNOTATIONS_LIST, parameters=[docs.TAG_NAME, *docs.RANGE_WINDOW])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        **docs.ANNOTATION_CREATE,
        parameters=[docs.TAG_NAME],
        request=AnnotationSerializer,
        responses={201: AnnotationSerializer},
    )
    def post(self, request: Request, name: str) -> Response:
        tag = get_object_or_404(Tag, name=name)
        body = AnnotationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        annotation = services.annotation_create(actor=request.user, tag=tag, **body.validated_data)
        return Response(AnnotationSerializer(annotation).data, status=status.HTTP_201_CREATED)


class CorrectionListView(LedgerlineAPIView, generics.ListAPIView[Correction]):
    capabilities = {"GET": READ, "POST": "historian.correct_samples"}
    serializer_class = CorrectionSerializer
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Correction]:
        name = self.kwargs.get("name", "")  # absent while the schema is generated
        found = Correction.objects.filter(tag__name=name).select_related("author")
        return overlapping(found, self.request.query_params)

    @extend_schema(**docs.CORRECTIONS_LIST, parameters=[docs.TAG_NAME, *docs.RANGE_WINDOW])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        **docs.CORRECTION_CREATE,
        parameters=[docs.TAG_NAME],
        request=CorrectionSerializer,
        responses={201: CorrectionSerializer},
    )
    def post(self, request: Request, name: str) -> Response:
        tag = get_object_or_404(Tag, name=name)
        body = CorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        session = request.session if request.auth is None else None
        correction = services.correction_create(
            actor=request.user,
            tag=tag,
            start=data["start"],
            end=data["end"],
            values=[dict(v) for v in data["values"]],
            reason=data["reason"],
            signature=data["signature"],
            session=session,
        )
        return Response(CorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)


class DisplayListView(LedgerlineAPIView):
    """The caller's saved trend displays; saving one creates it or replaces it by name."""

    capabilities = {"GET": READ, "POST": READ}
    parser_classes = [JSONParser]

    @extend_schema(
        **docs.DISPLAYS_LIST,
        operation_id="historian_displays_list",
        responses=DisplayListSerializer,
    )
    def get(self, request: Request) -> Response:
        displays = selectors.displays_of(request.user)
        return Response({"results": [selectors.display_json(d) for d in displays]})

    @extend_schema(
        **docs.DISPLAY_SAVE,
        operation_id="historian_displays_save",
        request=DisplaySaveSerializer,
        responses={201: DisplaySerializer, 200: DisplaySerializer},
    )
    def post(self, request: Request) -> Response:
        body = DisplaySaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        display, created = services.display_save(actor=request.user, **body.validated_data)
        return Response(
            selectors.display_json(display),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DisplayDetailView(LedgerlineAPIView):
    capabilities = {"GET": READ, "DELETE": READ}

    @extend_schema(
        **docs.DISPLAY_GET,
        operation_id="historian_display_get",
        parameters=[docs.DISPLAY_ID],
        responses=DisplaySerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        display = get_object_or_404(selectors.displays_of(request.user), pk=pk)
        return Response(selectors.display_json(display))

    @extend_schema(
        **docs.DISPLAY_DELETE,
        operation_id="historian_display_delete",
        parameters=[docs.DISPLAY_ID],
        responses={204: None},
    )
    def delete(self, request: Request, pk: int) -> Response:
        display = get_object_or_404(selectors.displays_of(request.user), pk=pk)
        services.display_delete(actor=request.user, display=display)
        return Response(status=status.HTTP_204_NO_CONTENT)
