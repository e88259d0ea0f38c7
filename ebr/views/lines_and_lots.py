"""Lines and lots: receiving a lot, QA's signed disposition."""

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
    LotReceiveForm,
)
from ebr.models import MaterialLot
from ebr.views.common import (
    attempt,
    form_problems,
    signature_posted,
)


@capability_required(READ)
def lines_and_lots(request: HttpRequest) -> HttpResponse:
    context = selectors.lines_and_lots_page()
    context["receive_form"] = LotReceiveForm()
    context["signing_continuous"] = signing_continuous(request)
    return render(request, "ebr/lines_and_lots.html", context)


@require_POST
@capability_required("ebr.manage_lots")
def lot_receive(request: HttpRequest) -> HttpResponse:
    form = LotReceiveForm(request.POST)
    if not form.is_valid():
        problems = form_problems(form)
        messages.error(request, f"Lot not received: {problems}. Correct it and send it again.")
        return redirect("ebr:lines")
    data = dict(form.cleaned_data)
    expires = data.pop("expires_at")
    lot = attempt(request, "Lot not received", lambda: services.lot_create(
        actor=request.user, expires_at=format_ts(expires) if expires else None, **data
    ))  # fmt: skip
    if lot is not None:
        messages.success(request, f"Lot {lot} received into quarantine: QA releases it.")
    return redirect("ebr:lines")


@require_POST
@capability_required("ebr.dispose_lots")
def lot_disposition(request: HttpRequest, material: str, lot: str) -> HttpResponse:
    found = get_object_or_404(MaterialLot, material=material, lot=lot)
    signature = signature_posted(request)
    if signature is None:
        return redirect("ebr:lines")
    disposed = attempt(request, "Nothing changed", lambda: services.lot_dispose(
        actor=request.user, lot=found, decision=request.POST.get("decision", ""),
        signature=signature, session=request.session,
    ))  # fmt: skip
    if disposed is not None:
        messages.success(request, f"Lot {disposed} {disposed.status} and signed.")
    return redirect("ebr:lines")
