"""The QA reviewer's screens: batches awaiting review, one batch's review by exception with
the signed review of each exception, and the signed disposition."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.views import signing_continuous
from core.decorators import capability_required
from ebr import selectors, services
from ebr.apps import READ
from ebr.views.common import attempt, signature_posted


@capability_required("ebr.review_batches")
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "ebr/review_queue.html", selectors.review_queue())


@capability_required(READ)
def batch_review(request: HttpRequest, batch_number: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    context = selectors.batch_review_page(batch, request.user)
    context["signing_continuous"] = signing_continuous(request)
    return render(request, "ebr/batch_review.html", context)


@require_POST
@capability_required("ebr.review_batches")
def exception_review(request: HttpRequest, batch_number: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    exception_id = request.POST.get("exception", "")
    back = redirect(f"{reverse('ebr:batch_review', args=[batch_number])}#exceptions")
    signature = signature_posted(request)
    if signature is None:
        return back
    reviewed = attempt(request, "Not reviewed", lambda: services.exception_review(
        actor=request.user, batch=batch, exception_id=exception_id,
        comment=request.POST.get("comment", ""), signature=signature, session=request.session,
    ))  # fmt: skip
    if reviewed is not None:
        messages.success(request, f"{exception_id} reviewed and signed.")
    return back


@require_POST
@capability_required("ebr.release_batches")
def batch_disposition(request: HttpRequest, batch_number: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    back = redirect("ebr:batch_review", batch_number=batch_number)
    signature = signature_posted(request)
    if signature is None:
        return back
    decision = request.POST.get("decision", "")
    disposed = attempt(request, "Not disposed", lambda: services.batch_dispose(
        actor=request.user, batch=batch, decision=decision, signature=signature,
        session=request.session,
    ))  # fmt: skip
    if disposed is not None:
        messages.success(request, f"Batch {disposed} {disposed.status} and signed.")
    return back
