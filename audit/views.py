"""Audit pages: the trail with filters and exports, reviews, verification."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit import verification_runs
from audit.canonical import canonical_text, format_ts
from audit.export import stream_export, stream_extract
from audit.filters import AuditEventFilter
from audit.forms import ReviewForm, SignatureForm
from audit.keys import current_key
from audit.models import (
    AuditEvent,
    AuditReview,
    Checkpoint,
    Signature,
    VerificationRun,
)
from audit.selectors import ChangeReader, record_history, record_label, record_types
from audit.services import audit_export_recorded, audit_review_record
from audit.signing import SIGNING_SESSION_KEY, SignatureFailed, SignatureRequest
from core.decorators import capability_required
from core.deferred import run_after_rollback

PAGE = 50


def acting_user(request: HttpRequest) -> Any:
    """The signed-in person (the capability decorators have checked who)."""
    return request.user


def _filtered(request: HttpRequest) -> tuple[AuditEventFilter, QuerySet[AuditEvent]]:
    # Always bound: no query string means no filter (every event), not "nothing selected".
    filterset = AuditEventFilter(request.GET, queryset=AuditEvent.objects.filter(seq__isnull=False))
    events = filterset.qs if filterset.is_valid() else AuditEvent.objects.none()
    return filterset, events


def _active_filters(filterset: AuditEventFilter) -> dict[str, str]:
    data = filterset.data or {}
    return {k: str(data[k]) for k in filterset.filters if data.get(k)}


def signing_continuous(request: HttpRequest) -> bool:
    return bool(request.session.get(SIGNING_SESSION_KEY) == request.user.pk)


@capability_required("audit.view_audit_trail")
def trail(request: HttpRequest) -> HttpResponse:
    filterset, events = _filtered(request)
    before = request.GET.get("before", "")
    page_qs = events.order_by("-seq")
    if before.isdigit():
        page_qs = page_qs.filter(seq__lt=int(before))
    page = list(page_qs[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    signature_ids = [e.record_pk for e in page if e.action == "signature"]
    signatures = {str(s.pk): s for s in Signature.objects.filter(pk__in=signature_ids)}
    query = request.GET.copy()
    query.pop("before", None)
    total = events.count()
    seqs = events.order_by("seq").values_list("seq", flat=True)
    reader = ChangeReader()
    return render(
        request,
        "audit/trail.html",
        {
            "filterset": filterset,
            "filtered": bool(_active_filters(filterset)),
            "record_types": record_types(),
            "events": [
                (
                    e,
                    signatures.get(e.record_pk) if e.action == "signature" else None,
                    reader.rows(e),
                )
                for e in page
            ],
            "next_before": page[-1].seq if more and page else None,
            "page_size": PAGE,
            "query": query.urlencode(),
            "total": total,
            "range": (seqs.first(), seqs.last()) if total else None,
            "review_form": ReviewForm(),
            "signature_form": SignatureForm(initial={"sig_meaning": "reviewed"}),
            "signing_continuous": signing_continuous(request),
            "reviews": AuditReview.objects.select_related("reviewer")[:5],
        },
    )


def _export_rows(events: QuerySet[AuditEvent]) -> Iterator[AuditEvent]:
    yield from events.order_by("seq").iterator(chunk_size=2000)


class _Echo:
    def write(self, value: str) -> str:
        return value


@capability_required("audit.view_audit_trail")
def export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    filterset, events = _filtered(request)
    if not filterset.is_valid():
        messages.error(request, "Nothing exported: correct the filter first.")
        return redirect(f"/audit/?{request.GET.urlencode()}")
    filters = _active_filters(filterset)
    count = events.count()
    audit_export_recorded(
        actor=acting_user(request), export_format=fmt, filters=filters, count=count
    )
    if fmt == "csv":
        writer = csv.writer(_Echo())
        header = [
            "seq",
            "occurred_at",
            "actor_id",
            "actor",
            "action",
            "table",
            "pk",
            "changes",
            "reason",
            "request_id",
            "prev_hash",
            "hash",
        ]

        def rows() -> Iterator[str]:
            yield writer.writerow(header)
            for e in _export_rows(events):
                yield writer.writerow(
                    [
                        e.seq,
                        format_ts(e.occurred_at),
                        e.actor_id or "",
                        e.actor_username,
                        e.action,
                        e.table_name,
                        e.record_pk,
                        canonical_text(e.changes),
                        e.reason,
                        e.request_id,
                        e.prev_hash,
                        e.hash,
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    elif filters:  # a selection: an extract for reading, labelled as such
        response = StreamingHttpResponse(
            stream_extract(_export_rows(events), filters, count),
            content_type="application/x-ndjson",
        )
        response["Content-Disposition"] = 'attachment; filename="audit-trail-extract.jsonl"'
        return response
    else:  # the whole chain: the export the offline verifier checks
        response = StreamingHttpResponse(stream_export(), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="audit-trail.{fmt}"'
    return response


@capability_required("audit.view_audit_trail")
def record(request: HttpRequest, table: str, pk: str) -> HttpResponse:
    """One record's whole history: its events with field changes, reasons and signatures."""
    reader = ChangeReader()
    history = [(e, sig, reader.rows(e)) for e, sig in record_history(table, pk)]
    if not history:
        raise Http404("No audit event names this record.")
    return render(
        request,
        "audit/record.html",
        {"table": table, "pk": pk, "label": record_label(table), "events": history},
    )


@require_POST
@capability_required("audit.view_audit_trail")
def review(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = ReviewForm(request.POST)
    filters = {k: v for k, v in request.POST.items() if k in AuditEventFilter.base_filters and v}
    back = redirect(f"/audit/?{'&'.join(f'{k}={v}' for k, v in filters.items())}")
    if not form.is_valid():
        messages.error(request, "The reviewed range is missing: reload the trail and try again.")
        return back
    signature = None
    if user.has_perm("audit.sign_records"):
        sig = SignatureForm(request.POST)
        if not sig.is_valid():
            messages.error(request, "Signing needs your password and a reason.")
            return back
        signature = SignatureRequest(
            username=sig.cleaned_data["sig_username"],
            password=sig.cleaned_data["sig_password"],
            meaning="reviewed",
            reason=sig.cleaned_data["sig_reason"],
        )
    try:
        recorded = audit_review_record(
            actor=user,
            from_seq=form.cleaned_data["from_seq"],
            to_seq=form.cleaned_data["to_seq"],
            filters=filters,
            note=form.cleaned_data["note"],
            signature=signature,
            session=request.session,
        )
    except SignatureFailed as exc:
        run_after_rollback(exc)
        messages.error(request, f"Not signed: {exc}")
        return back
    messages.success(
        request,
        f"Review of events {recorded.from_seq}–{recorded.to_seq} recorded"
        + (" and signed." if signature else "."),
    )
    return back


@capability_required("audit.view_audit_trail")
def verification(request: HttpRequest) -> HttpResponse:
    key = current_key()
    return render(
        request,
        "audit/verification.html",
        {
            "runs": VerificationRun.objects.all()[:20],
            "pending": verification_runs.pending_run(),
            "latest": verification_runs.latest_run(),
            "checkpoints": Checkpoint.objects.order_by("-id")[:10],
            "key": key,
            "can_start": request.user.has_perm("audit.verify_audit_trail"),
        },
    )


@require_POST
@capability_required("audit.verify_audit_trail")
def verification_start(request: HttpRequest) -> HttpResponse:
    run = verification_runs.verification_request(actor=acting_user(request))
    messages.info(request, f"Verification {run.pk} queued: it runs in the background.")
    return redirect("audit:verification")
