"""The shop floor: the operator's execution screen (entries and corrections, signed) and the
supervisor's verification queue."""

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
from ebr.forms import (
    entry_values,
)
from ebr.views.common import (
    attempt,
    signature_posted,
)


@capability_required(READ)
def batch_execute(request: HttpRequest, batch_number: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    context = selectors.execution_page(batch, request.user)
    context["signing_continuous"] = signing_continuous(request)
    return render(request, "ebr/batch_execute.html", context)


@require_POST
@capability_required("ebr.execute_steps")
def entry_new(request: HttpRequest, batch_number: str, step_code: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    back = redirect(f"{reverse('ebr:batch_execute', args=[batch_number])}#step-{step_code}")
    step = next((s for s in batch.master_record.steps if s["code"] == step_code), None)
    if step is None:
        messages.error(request, f"Not recorded: {batch} has no step {step_code}.")
        return back
    signature = signature_posted(request)
    if signature is None:
        return back
    corrects = request.POST.get("corrects", "")
    entry = attempt(request, "Not recorded", lambda: services.entry_record(
        actor=request.user, batch=batch, step_code=step_code,
        values=entry_values(step, request.POST), signature=signature,
        corrects=int(corrects) if corrects.isdigit() else None,
        reason=request.POST.get("reason", ""), session=request.session,
    ))  # fmt: skip
    if entry is None:
        return back
    flags = (
        (" Outside limits: " + ", ".join(entry.out_of_limit) + " (a deviation is raised).")
        if entry.out_of_limit
        else ""
    )
    done = (
        f"corrected (entry {entry.corrects_id} stays on record)"
        if entry.corrects_id
        else "recorded"
    )
    messages.success(request, f"Step {step_code} {done} and signed.{flags}")
    return back


@capability_required("ebr.verify_steps")
def verify_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ebr/verify_queue.html",
        {
            "queue": selectors.verification_queue(request.user),
            "signing_continuous": signing_continuous(request),
        },
    )


@require_POST
@capability_required("ebr.verify_steps")
def entry_verify(request: HttpRequest, batch_number: str, step_code: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    back = redirect("ebr:verify_queue")
    signature = signature_posted(request)
    if signature is None:
        return back
    entry_id = request.POST.get("entry", "")
    verified = attempt(request, "Not verified", lambda: services.entry_verify(
        actor=request.user, batch=batch, step_code=step_code, signature=signature,
        entry_id=int(entry_id) if entry_id.isdigit() else None, session=request.session,
    ))  # fmt: skip
    if verified is not None:
        messages.success(request, f"Step {step_code} of batch {batch} verified and signed.")
    return back
