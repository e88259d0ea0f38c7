"""Reports over the API (API.md, "Reports"): a plain GET of a `.pdf` path answers with the PDF
(rendered in the request); with `Prefer: respond-async` it answers 202 with the job's status
URL, the rendering done by the background queue; verification and the signing certificate."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.views import LedgerlineAPIView
from core.errors import DomainError
from ebr import selectors as ebr
from ebr.apps import READ as READ_RECORDS
from reports import selectors, services, signing
from reports.api.serializers import RootCauseSerializer
from reports.apps import RENDER
from reports.models import Document

PDF = OpenApiResponse(description="The signed PDF (application/pdf)")
DOCUMENT_ID = OpenApiParameter(
    "document_id", str, OpenApiParameter.PATH, description="e.g. RPT-20261127-3F2A9C01D4"
)
ASYNC = OpenApiParameter(
    "Prefer", str, OpenApiParameter.HEADER,
    description="`respond-async`: answer 202 with the job's status URL",
)  # fmt: skip


class PdfParser(BaseParser):
    media_type = "application/pdf"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return bytes(stream.read())


def pdf_response(document: Document) -> HttpResponse:
    answer = HttpResponse(bytes(document.pdf or b""), content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{document.document_id}.pdf"'
    answer["X-Document-Id"] = document.document_id
    return answer


class ReportView(LedgerlineAPIView):
    """The base of every `.pdf` path: `kind` and how the request gives its parameters."""

    capabilities = {"GET": RENDER}
    kind = ""
    error_statuses = {"GET": {404}}

    def params(self, request: Request, **kwargs: Any) -> dict[str, Any]:
        return {k: v for k, v in request.query_params.items() if v != ""} | kwargs

    def get(self, request: Request, **kwargs: Any) -> Any:
        params = self.params(request, **kwargs)
        if "respond-async" in request.headers.get("Prefer", ""):
            from reports.tasks import render

            document, _ = services.request(actor=request.user, kind=self.kind, params=params)
            render.defer(document_id=document.document_id, username=request.user.get_username())
            return Response(_job(request, document), status=status.HTTP_202_ACCEPTED)
        return pdf_response(services.render_now(actor=request.user, kind=self.kind,
                                                params=params))  # fmt: skip


def _job(request: Request, document: Document) -> dict[str, Any]:
    body = selectors.job_json(document)
    body["status_url"] = request.build_absolute_uri(
        reverse("api-reports-job", args=[document.document_id])
    )
    if document.state == Document.State.DONE:
        body["pdf_url"] = request.build_absolute_uri(
            reverse("api-reports-document", args=[document.document_id])
        )
    return body


class BatchReportView(ReportView):
    kind = "batch"

    @extend_schema(summary="The batch record", parameters=[ASYNC, OpenApiParameter(
        "batch_number", str, OpenApiParameter.PATH, description="The batch, e.g. B-2611-1")],
        description="21 CFR 211.188: header, master record version, window and quantities; "
        "every step with its entries, corrections (the original kept) and signature "
        "manifestations; CPP trends with limits and excursions shaded; deviations with their "
        "closure; LIMS results with revisions; genealogy; the review-by-exception log; the "
        "disposition; the batch's audit trail. A signed PDF.",
        responses={200: PDF, 202: OpenApiResponse(description="The job")})  # fmt: skip
    def get(self, request: Request, **kwargs: Any) -> Any:
        return super().get(request, **kwargs)


class DeviationReportView(ReportView):
    kind = "deviation"

    @extend_schema(summary="The deviation report", parameters=[ASYNC, OpenApiParameter(
        "number", str, OpenApiParameter.PATH, description="The deviation, e.g. DEV-0007")],
        description="The deviation, its diversion window, its investigation and closure with "
        "the signature manifestations. A signed PDF (see the Reports section).",
        responses={200: PDF, 202: OpenApiResponse(description="The job")})  # fmt: skip
    def get(self, request: Request, **kwargs: Any) -> Any:
        return super().get(request, **kwargs)


class AuditReportView(ReportView):
    kind = "audit"

    @extend_schema(summary="An audit-trail extract", parameters=[ASYNC, *[
        OpenApiParameter(name, str, description=text) for name, text in (
            ("model", "Record type (e.g. Annotation, or a table name)"),
            ("object_id", "Record id"), ("user", "User"), ("action", "Action"),
            ("start", "From (ISO 8601)"), ("end", "Until (ISO 8601)"))]],
        description="The events the audit trail's filters select, in chain order (at most "
        "5,000; 400 asks to narrow them). Auditors and QA reviewers (403 for others).",
        responses={200: PDF, 202: OpenApiResponse(description="The job")})  # fmt: skip
    def get(self, request: Request, **kwargs: Any) -> Any:
        return super().get(request, **kwargs)


class TrendReportView(ReportView):
    kind = "trend"

    @extend_schema(summary="The trend and SPC report", parameters=[ASYNC, *[
        OpenApiParameter(name, str, description=text, required=True) for name, text in (
            ("tags", "Numeric tag names, comma-separated (at most 20)"),
            ("start", "Window start (ISO 8601 with an offset)"),
            ("end", "Window end, exclusive"))]],
        description="Per tag: the chart with the centre, ±3σ control limits and the "
        "specification; Western Electric and Nelson rule violations marked and listed; Cp, "
        "Cpk (σ within = the mean moving range / 1.128) and Pp, Ppk (σ overall), with the "
        "formulas stated. Good samples only. 404 for an unknown tag, 400 for a text tag or a "
        "bad window.",
        responses={200: PDF, 202: OpenApiResponse(description="The job")})  # fmt: skip
    def get(self, request: Request, **kwargs: Any) -> Any:
        return super().get(request, **kwargs)


class GenealogyReportView(ReportView):
    kind = "genealogy"

    @extend_schema(summary="The genealogy report", parameters=[ASYNC, *[
        OpenApiParameter(name, str, description=text) for name, text in (
            ("line", "Backward: the line's code"), ("start", "Backward: window start"),
            ("end", "Backward: window end, exclusive"), ("lot", "Forward: the lot number"),
            ("material", "Forward: the material, when the lot number is not unique"))]],
        description="Backward (`line`, `start`, `end`): each batch window's input lots with "
        "their mass fractions per feeder; forward (`lot`): the output windows and batches the "
        "lot went into with its largest fraction. The RTD versions used are named.",
        responses={200: PDF, 202: OpenApiResponse(description="The job")})  # fmt: skip
    def get(self, request: Request, **kwargs: Any) -> Any:
        return super().get(request, **kwargs)


class JobView(LedgerlineAPIView):
    capabilities = {"GET": RENDER}

    @extend_schema(summary="A report's rendering", description="Its state (`queued`, "
                   "`rendering`, `done`, `failed`), progress (0–1) and, when done, `pdf_url`.",
                   parameters=[DOCUMENT_ID],
                   responses={200: OpenApiResponse(description="The job")})  # fmt: skip
    def get(self, request: Request, document_id: str) -> Response:
        document = get_object_or_404(Document.objects.defer("pdf"), document_id=document_id)
        return Response(_job(request, document))


class DocumentView(LedgerlineAPIView):
    capabilities = {"GET": RENDER}
    error_statuses = {"GET": {409}}

    @extend_schema(
        summary="A rendered report's PDF", responses={200: PDF},
        description="The signed PDF of a document rendered before (its job's `pdf_url`); 409 "
        "while it is still being rendered.",
        parameters=[DOCUMENT_ID],
    )  # fmt: skip
    def get(self, request: Request, document_id: str) -> HttpResponse:
        document = get_object_or_404(Document, document_id=document_id)
        if document.state != Document.State.DONE:
            raise DomainError(f"{document_id} is {document.state}: follow its status URL.")
        return pdf_response(document)


class VerifyView(LedgerlineAPIView):
    capabilities = {"POST": RENDER}
    parser_classes = [PdfParser]

    @extend_schema(summary="Verify a report", request={"application/pdf": bytes},
                   description="A PDF in the body: whether it is authentic (signed by this "
                   "installation's report certificate, trusted offline, nothing fetched) and "
                   "unchanged since (the signature covers the whole file), with the document "
                   "id, who generated it and when as the document records them.",
                   responses={200: OpenApiResponse(description="The verdict")})  # fmt: skip
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, bytes | bytearray) else b""
        if not body:
            raise DomainError("Send the PDF as the body (Content-Type: application/pdf).",
                              fields={"body": "a PDF"})  # fmt: skip
        return Response(selectors.verification(bytes(body)))


class CertificateView(LedgerlineAPIView):
    public = True  # validators fetch it without an account

    @extend_schema(summary="The report-signing certificate (PEM)", auth=[],
                   description="The certificate (and chain) that signs every report, for offline "
                   "PAdES validators (README, \"Signed reports\").",
                   responses={200: OpenApiResponse(description="PEM")})  # fmt: skip
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(signing.credentials().served_pem,
                            content_type="application/x-pem-file")  # fmt: skip


class RootCauseView(LedgerlineAPIView):
    """Ranked candidate causes of a deviation (API.md), computed on request."""

    capabilities = {"GET": READ_RECORDS}
    error_statuses = {"GET": {404}}

    @extend_schema(
        summary="Root-cause ranking of a deviation",
        description="Every tag of the deviation's line, its lot switches, step entries "
        "(corrections included) and equipment events, ranked by how well their change explains "
        "the deviation (see `method` and `caveats` in the answer). 400 for a `window` outside "
        "10m–7d, `tags` not of the line, or `series` outside 0–10.",
        parameters=[
            OpenApiParameter("number", str, OpenApiParameter.PATH,
                             description="The deviation, e.g. DEV-0007"),
            OpenApiParameter("window", str, description="How far to look back before the "
                             "deviation's start, as in historian reads (e.g. 4h); default 2h"),
            OpenApiParameter("tags", str, description="Only these tags of the line "
                             "(comma-separated); lot switches and step entries stay"),
            OpenApiParameter("series", int, description="Evidence charts of the best N "
                             "candidates (0–10, default 0)"),
        ],
        responses=RootCauseSerializer,
    )  # fmt: skip
    def get(self, request: Request, number: str) -> Response:
        from historian.api.values import interval
        from reports import rootcause

        deviation = get_object_or_404(ebr.deviations(), number=number)
        query = request.query_params
        lookback = rootcause.DEFAULT_LOOKBACK
        if query.get("window"):
            try:
                lookback = interval(query["window"])
            except DomainError:
                raise rootcause.RootCauseError(
                    "window is an interval like 30m, 4h or 1d", fields={"window": "invalid"}
                ) from None
        tags = [name.strip() for name in query.get("tags", "").split(",") if name.strip()]
        series = query.get("series", "0")
        if not series.isdigit() or int(series) > 10:
            raise rootcause.RootCauseError("series is 0–10", fields={"series": "invalid"})
        result = rootcause.rank_deviation(deviation, lookback=lookback, tags=tags or None)
        return Response(rootcause.ranking_json(result, series=int(series)))
