"""Feeds, genealogy and diversion (API.md, "Lines, lots, RTD and genealogy")."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from core.errors import NotFound
from ebr import selectors, services
from ebr.api import docs
from ebr.api.serializers.genealogy import (
    BackwardSerializer,
    DiversionSerializer,
    FeedCreateSerializer,
    FeedListSerializer,
    FeedSerializer,
    ForwardSerializer,
)
from ebr.apps import READ
from ebr.errors import EbrError
from ebr.models import Feed, MaterialLot
from ebr.rtd import RtdError
from historian.timestamps import parse_ts

# Fractions below this are within the traces' numerical tolerance (ebr.genealogy.SETTLED).
MIN_THRESHOLD = 1e-6


def _param(name: str, kind: type, text: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, kind, description=text, required=required)


def window(query: Mapping[str, str]) -> tuple[datetime, datetime]:
    """`start` and `end` (ISO 8601 with an offset), end after start — or 400 naming them."""
    fields: dict[str, str] = {}
    times: dict[str, datetime] = {}
    for name in ("start", "end"):
        value = query.get(name, "")
        parsed = parse_ts(value) if value else "required"
        if isinstance(parsed, str):
            fields[name] = parsed
        else:
            times[name] = parsed[0]
    if not fields and times["end"] <= times["start"]:
        fields["end"] = "after start"
    if fields:
        raise EbrError("start and end are ISO 8601 timestamps with an offset, end after start "
                       "(encode + as %2B in a URL, or use Z).", fields=fields)  # fmt: skip
    return times["start"], times["end"]


def number(query: Mapping[str, str], name: str, default: float | None = None) -> float | None:
    text = query.get(name, "")
    if text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise EbrError(f"{name} is a number.", fields={name: "not a number"})
    return value


def _rtd_problem(exc: RtdError) -> EbrError:
    name, _, why = str(exc).partition(": ")
    return EbrError(str(exc), fields={name: why or str(exc)})


class FeedListView(LedgerlineAPIView, generics.GenericAPIView[Feed]):
    capabilities = {"GET": READ, "POST": "ebr.charge_feeds"}
    error_statuses = {"POST": {409}}
    parser_classes = [JSONParser]
    serializer_class = FeedCreateSerializer

    @extend_schema(
        **docs.FEEDS_LIST,
        operation_id="ebr_feeds_list",
        parameters=[docs.LINE_CODE, _param("feeder", str, "Only this feeder's feeds.")],
        responses=FeedListSerializer,
    )
    def get(self, request: Request, code: str) -> Response:
        line = get_object_or_404(selectors.lines(), code=code)
        found = selectors.feeds(line, request.query_params.get("feeder", "").strip())
        page = self.paginate_queryset(found) or []
        return self.get_paginated_response(
            [selectors.feed_json(f, selectors.feed_until(f)) for f in page]
        )

    @extend_schema(
        **docs.FEED_CREATE,
        parameters=[docs.LINE_CODE],
        request=FeedCreateSerializer,
        responses={201: FeedSerializer, 200: FeedSerializer},
    )
    def post(self, request: Request, code: str) -> Response:
        line = get_object_or_404(selectors.lines(), code=code)
        body = FeedCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        feed, created = services.feed_charge(actor=request.user, line=line, **body.validated_data)
        return Response(
            selectors.feed_json(feed, selectors.feed_until(feed)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BackwardView(LedgerlineAPIView):
    capabilities = {"GET": READ}
    error_statuses = {"GET": {404, 409}}

    @extend_schema(
        **docs.GENEALOGY_BACKWARD,
        parameters=[
            _param("line", str, "The line's code", required=True),
            _param("start", str, "Output window start (ISO 8601, offset)", required=True),
            _param("end", str, "Output window end, exclusive", required=True),
        ],
        responses=BackwardSerializer,
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        code = query.get("line", "")
        if not code:
            raise EbrError("line is required: the line's code.", fields={"line": "required"})
        start, end = window(query)
        line = selectors.lines().filter(code=code).first()
        if line is None:
            raise NotFound(f"No line {code}.")
        return Response(selectors.genealogy_backward(line, start, end))


class ForwardView(LedgerlineAPIView):
    capabilities = {"GET": READ}
    error_statuses = {"GET": {404, 409}}

    @extend_schema(
        **docs.GENEALOGY_FORWARD,
        parameters=[
            _param("lot", str, "The lot number", required=True),
            _param("material", str, "The material; may be left out when the lot is unique"),
            _param("threshold", float, "Smallest fraction reported, 1e-6 to 1, default 0.001"),
        ],
        responses=ForwardSerializer,
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        lot_number, material = query.get("lot", "").strip(), query.get("material", "").strip()
        threshold = number(query, "threshold", 0.001)
        problems = {} if lot_number else {"lot": "required: the lot number"}
        if threshold is None or not MIN_THRESHOLD <= threshold < 1:
            problems["threshold"] = f"a fraction from {MIN_THRESHOLD:g} to 1, exclusive"
        if problems:
            raise EbrError("The forward trace needs a lot and a threshold: see fields.",
                           fields=problems)  # fmt: skip
        found = MaterialLot.objects.filter(lot=lot_number)
        if material:
            found = found.filter(material=material)
        lots = list(found[:2])
        if not lots:
            raise NotFound(f"No lot {lot_number}{' of ' + material if material else ''}.")
        if len(lots) > 1:
            raise EbrError(
                f"Lot {lot_number} exists for several materials: give material.",
                fields={"material": "required: the lot number is not unique"},
            )
        return Response(selectors.genealogy_forward(lots[0], float(threshold or 0.001)))


class DiversionView(LedgerlineAPIView):
    capabilities = {"GET": READ}
    error_statuses = {"GET": {409}}

    @extend_schema(
        **docs.DIVERSION,
        parameters=[
            docs.LINE_CODE,
            _param("feeder", str, "The feeder disturbed", required=True),
            _param("start", str, "Disturbance start at the inlet", required=True),
            _param("end", str, "Disturbance end, exclusive", required=True),
            _param("quantile", float, "Low quantile q (high is 1 − q), default 0.001"),
            _param(
                "size",
                float,
                "The disturbance as the outlet deviation it would cause if it lasted (CQA units)",
            ),
            _param("nominal", float, "The CQA's target, default 0 (then limits are deviations)"),
            _param("low", float, "The CQA's lower limit"),
            _param("high", float, "The CQA's upper limit"),
        ],
        responses=DiversionSerializer,
    )
    def get(self, request: Request, code: str) -> Response:
        line = get_object_or_404(selectors.lines(), code=code)
        query = request.query_params
        feeder = query.get("feeder", "").strip()
        if not feeder:
            raise EbrError("feeder is required.", fields={"feeder": "required"})
        start, end = window(query)
        try:
            return Response(selectors.diversion(
                line, feeder, start, end, number(query, "quantile", 0.001) or 0.0,
                size=number(query, "size"), nominal=number(query, "nominal", 0.0) or 0.0,
                low=number(query, "low"), high=number(query, "high"),
            ))  # fmt: skip
        except RtdError as exc:
            raise _rtd_problem(exc) from exc
