"""Master records: list, editor, versions, diff, review and approval with the signing dialog."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.views import signing_continuous
from core.decorators import capability_required
from ebr import selectors, services
from ebr.apps import READ
from ebr.forms import (
    MasterNewForm,
    TransitionForm,
)
from ebr.models import MasterRecord
from ebr.views.common import (
    attempt,
    form_problems,
    line_codes,
    optional_signature,
)

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
    form = MasterNewForm(request.POST, lines=line_codes())
    if not form.is_valid():
        problems = form_problems(form)
        messages.error(request, f"Not created: {problems}. Correct it and create it again.")
        return redirect("ebr:masters")
    record = attempt(request, "Not created", lambda: services.master_create(
        actor=request.user, steps=[STARTER_STEP], **form.cleaned_data
    ))  # fmt: skip
    if record is None:
        return redirect("ebr:masters")
    messages.success(request, f"{record} drafted: add its steps, then submit it for review.")
    return redirect("ebr:master", code=record.code, version=record.version)


@require_POST
@capability_required("ebr.manage_master_records")
def master_next(request: HttpRequest, code: str) -> HttpResponse:
    """The next version of a code: a draft copied from its latest version."""
    record = attempt(
        request, "No new version", lambda: services.master_create(actor=request.user, code=code)
    )
    if record is None:
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
    readable, signature = optional_signature(request)
    if not readable:
        return back
    reason = form.cleaned_data["reason"] or (signature.reason if signature else "")
    moved = attempt(request, "Nothing changed", lambda: services.master_transition(
        actor=request.user, record=record, status=form.cleaned_data["status"], reason=reason,
        signature=signature, session=request.session,
    ))  # fmt: skip
    if moved is not None:
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
