"""Batch-record pages: lines and lots (receiving a lot, QA's signed disposition)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.canonical import format_ts
from audit.forms import SignatureForm
from audit.signing import SignatureFailed, SignatureRequest
from audit.views import signing_continuous
from core.decorators import capability_required
from core.deferred import run_after_rollback
from core.errors import DomainError
from ebr import selectors, services
from ebr.apps import READ
from ebr.forms import LotReceiveForm
from ebr.models import MaterialLot


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
        problems = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        messages.error(request, f"Lot not received: {problems}. Correct it and send it again.")
        return redirect("ebr:lines")
    data = dict(form.cleaned_data)
    expires = data.pop("expires_at")
    try:
        lot = services.lot_create(
            actor=request.user, expires_at=format_ts(expires) if expires else None, **data
        )
    except DomainError as exc:
        messages.error(request, f"Lot not received: {exc.message} {_fields(exc)}")
        return redirect("ebr:lines")
    messages.success(request, f"Lot {lot} received into quarantine: QA releases it.")
    return redirect("ebr:lines")


@require_POST
@capability_required("ebr.dispose_lots")
def lot_disposition(request: HttpRequest, material: str, lot: str) -> HttpResponse:
    found = get_object_or_404(MaterialLot, material=material, lot=lot)
    decision = request.POST.get("decision", "")
    sig = SignatureForm(request.POST)
    if not sig.is_valid():
        messages.error(request, "Not signed: the signature needs your password and a reason.")
        return redirect("ebr:lines")
    signature = SignatureRequest(
        username=sig.cleaned_data["sig_username"],
        password=sig.cleaned_data["sig_password"],
        meaning=sig.cleaned_data["sig_meaning"],
        reason=sig.cleaned_data["sig_reason"],
    )
    try:
        disposed = services.lot_dispose(
            actor=request.user,
            lot=found,
            decision=decision,
            signature=signature,
            session=request.session,
        )
    except SignatureFailed as exc:
        run_after_rollback(exc)
        messages.error(request, f"Not signed: {exc}")
        return redirect("ebr:lines")
    except DomainError as exc:
        messages.error(request, f"Nothing changed: {exc.message}")
        return redirect("ebr:lines")
    messages.success(request, f"Lot {disposed} {disposed.status} and signed.")
    return redirect("ebr:lines")


def _fields(exc: DomainError) -> str:
    return "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
