"""Deviations: the list, raising one by hand, one deviation's page and its signed workflow."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.canonical import format_ts
from audit.views import signing_continuous
from core.decorators import capability_required
from ebr import selectors, services
from ebr.apps import READ
from ebr.forms import (
    DeviationRaiseForm,
)
from ebr.models import Deviation
from ebr.views.common import (
    attempt,
    form_problems,
    line_codes,
    optional_signature,
)


@capability_required(READ)
def deviation_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "ebr/deviation_list.html",
        {
            "deviations": selectors.deviations(status=status)[:500],
            "status": status,
            "raise_form": DeviationRaiseForm(lines=line_codes()),
        },
    )


@require_POST
@capability_required("ebr.raise_deviations")
def deviation_new(request: HttpRequest) -> HttpResponse:
    form = DeviationRaiseForm(request.POST, lines=line_codes())
    if not form.is_valid():
        messages.error(
            request, f"Not raised: {form_problems(form)}. Correct it and raise it again."
        )
        return redirect("ebr:deviations")
    data = form.cleaned_data
    raised = attempt(request, "Not raised", lambda: services.deviation_raise(
        actor=request.user, line=data["line"], batch_number=data["batch_number"] or None,
        kind="manual", severity=data["severity"], start=format_ts(data["start"]),
        description=data["description"],
    ))  # fmt: skip
    if raised is None:
        return redirect("ebr:deviations")
    deviation, _ = raised
    messages.success(request, f"{deviation} raised: QA investigates it.")
    return redirect("ebr:deviation", number=deviation.number)


@capability_required(READ)
def deviation_detail(request: HttpRequest, number: str) -> HttpResponse:
    deviation = get_object_or_404(selectors.deviations(), number=number)
    context = selectors.deviation_page(deviation, request.user)
    context["signing_continuous"] = signing_continuous(request)
    return render(request, "ebr/deviation_detail.html", context)


@require_POST
@capability_required("ebr.review_batches")
def deviation_move(request: HttpRequest, number: str) -> HttpResponse:
    deviation = get_object_or_404(Deviation, number=number)
    back = redirect("ebr:deviation", number=number)
    readable, signature = optional_signature(request)
    if not readable:
        return back
    post = request.POST
    moved = attempt(request, "Nothing changed", lambda: services.deviation_transition(
        actor=request.user, deviation=deviation, status=post.get("status", ""),
        reason=post.get("reason", "") or (signature.reason if signature else ""),
        root_cause=post.get("root_cause", ""), impact=post.get("impact", ""),
        capa=post.get("capa", ""), signature=signature, session=request.session,
    ))  # fmt: skip
    if moved is not None:
        messages.success(request, f"{moved} is now {moved.status}.")
    return back
