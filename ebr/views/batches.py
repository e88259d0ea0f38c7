"""Batches: the list with its timeline, planning, one batch's page and its moves."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.canonical import format_ts
from core.decorators import capability_required
from ebr import selectors, services
from ebr.apps import READ
from ebr.forms import (
    BatchPlanForm,
    TransitionForm,
)
from ebr.models import MasterRecord
from ebr.views.common import (
    attempt,
    form_problems,
)


def _plan_choices(records: list[MasterRecord]) -> list[tuple[str, str]]:
    return [
        (r.code, f"{r.code} v{r.version} on {r.line.code} ({r.batch_definition})") for r in records
    ]


@capability_required(READ)
def batch_list(request: HttpRequest) -> HttpResponse:
    context = selectors.batches_page()
    context["plan_form"] = BatchPlanForm(records=_plan_choices(context["effective"]))
    return render(request, "ebr/batch_list.html", context)


@require_POST
@capability_required("ebr.manage_batches")
def batch_plan(request: HttpRequest) -> HttpResponse:
    effective = selectors.effective_records()
    form = BatchPlanForm(request.POST, records=_plan_choices(effective))
    if not form.is_valid():
        problems = form_problems(form)
        messages.error(request, f"Not planned: {problems}. Correct it and plan it again.")
        return redirect("ebr:batches")
    data = form.cleaned_data
    record = next(r for r in effective if r.code == data["master_record"])
    batch = attempt(request, "Not planned", lambda: services.batch_create(
        actor=request.user, batch_number=data["batch_number"], master_record=record.code,
        line=record.line.code, start=format_ts(data["start"]),
        end=format_ts(data["end"]) if data["end"] else None,
        planned_quantity=data["planned_quantity"],
        unit=data["unit"] if data["planned_quantity"] else "",
    ))  # fmt: skip
    if batch is None:
        return redirect("ebr:batches")
    messages.success(request, f"Batch {batch} planned on {batch.line.code}.")
    return redirect("ebr:batch", batch_number=batch.batch_number)


@capability_required(READ)
def batch_detail(request: HttpRequest, batch_number: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    return render(request, "ebr/batch_detail.html", selectors.batch_page(batch, request.user))


@require_POST
@capability_required(READ)
def batch_move(request: HttpRequest, batch_number: str) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), batch_number=batch_number)
    form = TransitionForm(request.POST)
    # QA takes a batch into review from its review page, and goes on there.
    page = "ebr:batch_review" if request.POST.get("back") == "review" else "ebr:batch"
    back = redirect(page, batch_number=batch_number)
    if not form.is_valid():
        messages.error(request, "Nothing changed: the move is missing. Reload the page.")
        return back
    moved = attempt(request, "Nothing changed", lambda: services.batch_transition(
        actor=request.user, batch=batch, status=form.cleaned_data["status"],
        reason=form.cleaned_data["reason"],
    ))  # fmt: skip
    if moved is not None:
        messages.success(request, f"Batch {moved} is now {moved.status.replace('_', ' ')}.")
    return back
