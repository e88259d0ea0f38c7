"""Batch-record pages: lines and lots (receiving a lot, QA's signed disposition), master
records (list, editor, versions, diff, review and approval with the signing dialog)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
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
from ebr.forms import (
    BatchPlanForm,
    DeviationRaiseForm,
    LotReceiveForm,
    MasterNewForm,
    TransitionForm,
    entry_values,
)
from ebr.models import Deviation, MasterRecord, MaterialLot


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
        problems = _form_problems(form)
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
    signature = _signature_of(sig)
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


def _form_problems(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())


def _signature_of(form: SignatureForm) -> SignatureRequest:
    return SignatureRequest(
        username=form.cleaned_data["sig_username"],
        password=form.cleaned_data["sig_password"],
        meaning=form.cleaned_data["sig_meaning"],
        reason=form.cleaned_data["sig_reason"],
    )


def _line_codes() -> list[str]:
    return list(selectors.lines().values_list("code", flat=True))


def _optional_signature(request: HttpRequest) -> tuple[bool, SignatureRequest | None]:
    """The signing dialog's request when the form carries one: (False, None) after saying
    what is missing, (True, None) for a move that is not signed."""
    if not request.POST.get("sig_meaning"):
        return True, None
    sig = SignatureForm(request.POST)
    if not sig.is_valid():
        messages.error(request, "Not signed: the signature needs your password and a reason.")
        return False, None
    return True, _signature_of(sig)


def _fields(exc: DomainError) -> str:
    return "; ".join(f"{k}: {v}" for k, v in exc.fields.items())


# The first step of a new record: the editor takes it from there.
STARTER_STEP = {
    "code": "S10",
    "title": "Line clearance",
    "instruction": "Check that the room and the line are free of the previous product.",
    "fields": [{"name": "line_clear", "type": "bool", "required": True}],
    "required_signatures": ["performed", "verified"],
}


@capability_required(READ)
def master_list(request: HttpRequest) -> HttpResponse:
    context = selectors.master_list_page()
    context["new_form"] = MasterNewForm(lines=context["lines"])
    return render(request, "ebr/master_list.html", context)


@require_POST
@capability_required("ebr.manage_master_records")
def master_new(request: HttpRequest) -> HttpResponse:
    form = MasterNewForm(request.POST, lines=_line_codes())
    if not form.is_valid():
        problems = _form_problems(form)
        messages.error(request, f"Not created: {problems}. Correct it and create it again.")
        return redirect("ebr:masters")
    try:
        record = services.master_create(
            actor=request.user, steps=[STARTER_STEP], **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, f"Not created: {exc.message} {_fields(exc)}")
        return redirect("ebr:masters")
    messages.success(request, f"{record} drafted: add its steps, then submit it for review.")
    return redirect("ebr:master", code=record.code, version=record.version)


@require_POST
@capability_required("ebr.manage_master_records")
def master_next(request: HttpRequest, code: str) -> HttpResponse:
    """The next version of a code: a draft copied from its latest version."""
    try:
        record = services.master_create(actor=request.user, code=code)
    except DomainError as exc:
        messages.error(request, f"No new version: {exc.message}")
        return redirect("ebr:masters")
    messages.success(request, f"{record} drafted from v{record.version - 1}: edit it below.")
    return redirect("ebr:master", code=record.code, version=record.version)


@capability_required(READ)
def master_detail(request: HttpRequest, code: str, version: int) -> HttpResponse:
    record = get_object_or_404(selectors.master_records(), code=code, version=version)
    context = selectors.master_page(record, request.user)
    context["signing_continuous"] = signing_continuous(request)
    return render(request, "ebr/master_detail.html", context)


@require_POST
@capability_required(READ)
def master_move(request: HttpRequest, code: str, version: int) -> HttpResponse:
    record = get_object_or_404(MasterRecord, code=code, version=version)
    form = TransitionForm(request.POST)
    back = redirect("ebr:master", code=code, version=version)
    if not form.is_valid():
        messages.error(request, "Nothing changed: the move is missing. Reload the page.")
        return back
    readable, signature = _optional_signature(request)
    if not readable:
        return back
    reason = form.cleaned_data["reason"] or (signature.reason if signature else "")
    try:
        moved = services.master_transition(
            actor=request.user,
            record=record,
            status=form.cleaned_data["status"],
            reason=reason,
            signature=signature,
            session=request.session,
        )
    except SignatureFailed as exc:
        run_after_rollback(exc)
        messages.error(request, f"Not signed: {exc}")
        return back
    except DomainError as exc:
        messages.error(request, f"Nothing changed: {exc.message} {_fields(exc)}")
        return back
    messages.success(request, f"{moved} is now {moved.status}.")
    return back


@capability_required(READ)
def master_diff(request: HttpRequest, code: str) -> HttpResponse:
    versions = {r.version: r for r in selectors.master_records(code=code)}
    if not versions:
        messages.error(request, f"No master record {code}.")
        return redirect("ebr:masters")
    newest = max(versions)
    pick = {}
    for key, default in (("a", max(1, newest - 1)), ("b", newest)):
        text = request.GET.get(key, "")
        pick[key] = int(text) if text.isdigit() and int(text) in versions else default
    a, b = versions[pick["a"]], versions[pick["b"]]
    return render(
        request,
        "ebr/master_diff.html",
        {
            "code": code,
            "a": a,
            "b": b,
            "versions": sorted(versions),
            "rows": selectors.diff_rows(selectors.master_json(a), selectors.master_json(b)),
        },
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
        problems = _form_problems(form)
        messages.error(request, f"Not planned: {problems}. Correct it and plan it again.")
        return redirect("ebr:batches")
    data = form.cleaned_data
    record = next(r for r in effective if r.code == data["master_record"])
    try:
        batch = services.batch_create(
            actor=request.user,
            batch_number=data["batch_number"],
            master_record=record.code,
            line=record.line.code,
            start=format_ts(data["start"]),
            end=format_ts(data["end"]) if data["end"] else None,
            planned_quantity=data["planned_quantity"],
            unit=data["unit"] if data["planned_quantity"] else "",
        )
    except DomainError as exc:
        messages.error(request, f"Not planned: {exc.message} {_fields(exc)}")
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
    back = redirect("ebr:batch", batch_number=batch_number)
    if not form.is_valid():
        messages.error(request, "Nothing changed: the move is missing. Reload the page.")
        return back
    try:
        moved = services.batch_transition(
            actor=request.user,
            batch=batch,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, f"Nothing changed: {exc.message} {_fields(exc)}")
        return back
    messages.success(request, f"Batch {moved} is now {moved.status.replace('_', ' ')}.")
    return back


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
    sig = SignatureForm(request.POST)
    if step is None or not sig.is_valid():
        messages.error(request, "Not signed: the signature needs your password and a reason.")
        return back
    corrects = request.POST.get("corrects", "")
    try:
        entry = services.entry_record(
            actor=request.user,
            batch=batch,
            step_code=step_code,
            values=entry_values(step, request.POST),
            signature=_signature_of(sig),
            corrects=int(corrects) if corrects.isdigit() else None,
            reason=request.POST.get("reason", ""),
            session=request.session,
        )
    except SignatureFailed as exc:
        run_after_rollback(exc)
        messages.error(request, f"Not signed: {exc}")
        return back
    except DomainError as exc:
        messages.error(request, f"Not recorded: {exc.message} {_fields(exc)}")
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
    sig = SignatureForm(request.POST)
    back = redirect("ebr:verify_queue")
    if not sig.is_valid():
        messages.error(request, "Not signed: the signature needs your password and a reason.")
        return back
    entry_id = request.POST.get("entry", "")
    try:
        services.entry_verify(
            actor=request.user,
            batch=batch,
            step_code=step_code,
            signature=_signature_of(sig),
            entry_id=int(entry_id) if entry_id.isdigit() else None,
            session=request.session,
        )
    except SignatureFailed as exc:
        run_after_rollback(exc)
        messages.error(request, f"Not verified: {exc}")
        return back
    except DomainError as exc:
        messages.error(request, f"Not verified: {exc.message}")
        return back
    messages.success(request, f"Step {step_code} of batch {batch} verified and signed.")
    return back


@capability_required(READ)
def deviation_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "ebr/deviation_list.html",
        {
            "deviations": selectors.deviations(status=status)[:500],
            "status": status,
            "raise_form": DeviationRaiseForm(lines=_line_codes()),
        },
    )


@require_POST
@capability_required("ebr.raise_deviations")
def deviation_new(request: HttpRequest) -> HttpResponse:
    form = DeviationRaiseForm(request.POST, lines=_line_codes())
    if not form.is_valid():
        messages.error(
            request, f"Not raised: {_form_problems(form)}. Correct it and raise it again."
        )
        return redirect("ebr:deviations")
    data = form.cleaned_data
    try:
        deviation, _ = services.deviation_raise(
            actor=request.user,
            line=data["line"],
            batch_number=data["batch_number"] or None,
            kind="manual",
            severity=data["severity"],
            start=format_ts(data["start"]),
            description=data["description"],
        )
    except DomainError as exc:
        messages.error(request, f"Not raised: {exc.message} {_fields(exc)}")
        return redirect("ebr:deviations")
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
    readable, signature = _optional_signature(request)
    if not readable:
        return back
    post = request.POST
    try:
        moved = services.deviation_transition(
            actor=request.user,
            deviation=deviation,
            status=post.get("status", ""),
            reason=post.get("reason", "") or (signature.reason if signature else ""),
            root_cause=post.get("root_cause", ""),
            impact=post.get("impact", ""),
            capa=post.get("capa", ""),
            signature=signature,
            session=request.session,
        )
    except SignatureFailed as exc:
        run_after_rollback(exc)
        messages.error(request, f"Not signed: {exc}")
        return back
    except DomainError as exc:
        messages.error(request, f"Nothing changed: {exc.message} {_fields(exc)}")
        return back
    messages.success(request, f"{moved} is now {moved.status}.")
    return back
