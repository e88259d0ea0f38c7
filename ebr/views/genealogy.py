"""Genealogy and RTD pages: lots → batch windows over a line's window (backward), where a lot
went (forward), a line's RTD versions with the fit of a recorded test and saving it as a new
version."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.canonical import format_ts
from core.decorators import capability_required
from core.errors import DomainError
from ebr import selectors, services
from ebr.apps import READ
from ebr.forms import BackwardForm, ForwardForm, RtdFitForm, RtdSaveForm
from ebr.models import MaterialLot
from ebr.views.common import attempt, fields_text, form_problems, line_codes


@capability_required(READ)
def genealogy(request: HttpRequest) -> HttpResponse:
    lines = line_codes()
    fed = selectors.fed_lots()
    context: dict[str, object] = {}
    if "lot" in request.GET:
        forward = ForwardForm(request.GET, lots=fed)
        if forward.is_valid():
            material, _, number = forward.cleaned_data["lot"].partition("/")
            lot = get_object_or_404(MaterialLot, material=material, lot=number)
            context["forward"] = selectors.forward_page(lot, forward.cleaned_data["threshold"])
            context["lot"] = lot
        else:
            messages.error(request, f"No trace: {form_problems(forward)}.")
        backward = BackwardForm(initial=_last_day(lines), lines=lines)
    else:
        backward = BackwardForm(request.GET or _last_day(lines), lines=lines)
        forward = ForwardForm(lots=fed)
        if backward.is_valid():
            data = backward.cleaned_data
            line = get_object_or_404(selectors.lines(), code=data["line"])
            context["backward"] = selectors.backward_page(line, data["start"], data["end"])
            context["line"] = line
            query = {"line": line.code, "start": format_ts(data["start"]),
                     "end": format_ts(data["end"])}  # fmt: skip
            context["pdf_url"] = "/api/v1/reports/genealogy.pdf?" + urlencode(query)
            backward = BackwardForm(initial=_local(data), lines=lines)  # shown in the site zone
        elif request.GET:
            messages.error(request, f"No trace: {form_problems(backward)}.")
    context |= {"backward_form": backward, "forward_form": forward}
    return render(request, "ebr/genealogy.html", context)


def _local(data: dict[str, Any]) -> dict[str, Any]:
    """A form's cleaned data with its moments in the site's zone, as the inputs show them."""
    return {k: timezone.localtime(v).replace(tzinfo=None) if isinstance(v, datetime) else v
            for k, v in data.items()}  # fmt: skip


def _last_day(lines: list[str]) -> dict[str, str]:
    now = timezone.localtime().replace(microsecond=0)
    line = lines[0] if lines else ""
    return {"line": line, "start": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "end": now.strftime("%Y-%m-%dT%H:%M:%S")}  # fmt: skip


@capability_required(READ)
def line_rtd(request: HttpRequest, code: str) -> HttpResponse:
    line = get_object_or_404(selectors.lines(), code=code)
    feeders = selectors.line_feeders(line)
    tags = selectors.numeric_line_tags(line)
    form = RtdFitForm(request.GET or None, feeders=feeders, tags=tags)
    fit, problem = None, ""
    if request.GET and form.is_valid():
        data = form.cleaned_data
        form = RtdFitForm(initial=_local(data), feeders=feeders, tags=tags)  # in the site zone
        try:
            fit = selectors.rtd_fit_from_tags(
                line, feeder=data["feeder"], input_tag=data["input_tag"],
                output_tag=data["output_tag"], start=format_ts(data["start"]),
                end=format_ts(data["end"]), model=data["model"],
                boundary=data["boundary"] or "closed",
            )  # fmt: skip
        except DomainError as exc:
            problem = f"{exc.message} {fields_text(exc)}".strip()
    elif request.GET:
        problem = form_problems(form)
    versions = list(selectors.rtd_models(line))
    return render(request, "ebr/line_rtd.html", {
        "line": line, "form": form, "fit": fit, "problem": problem,
        "versions": [selectors.rtd_json(v) for v in versions],
        "save_form": RtdSaveForm(initial=fit) if fit else None,
        "may_save": request.user.has_perm("ebr.manage_lines"),
    })  # fmt: skip


@require_POST
@capability_required("ebr.manage_lines")
def line_rtd_save(request: HttpRequest, code: str) -> HttpResponse:
    line = get_object_or_404(selectors.lines(), code=code)
    form = RtdSaveForm(request.POST)
    back = redirect(reverse("ebr:line_rtd", args=[code]) + "?" + request.POST.get("query", ""))
    if not form.is_valid():
        messages.error(request, f"Not saved: {form_problems(form)}. Correct it and save again.")
        return back
    data = form.cleaned_data
    when = data["effective_from"]
    saved = attempt(request, "Not saved", lambda: services.rtd_model_create(
        actor=request.user, line=line, feeder=data["feeder"], model=data["model"],
        n=data["n"], peclet=data["peclet"], boundary=data["boundary"] or "closed",
        tau_s=data["tau_s"], delay_s=data["delay_s"] or 0.0, reason=data["reason"],
        effective_from=format_ts(when) if when else None,
    ))  # fmt: skip
    if saved is None:
        return back
    messages.success(request, f"{line}/{saved.feeder}: version {saved.version} saved.")
    return redirect("ebr:line_rtd", code=code)
