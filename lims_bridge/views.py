"""LIMS pages: result files uploaded with a mapping and previewed before anything is stored,
the history of imports and SENAITE pulls with their counts, mappings, a pull."""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.canonical import format_ts
from core.decorators import capability_required
from core.errors import DomainError
from lims_bridge import selectors, services
from lims_bridge.apps import IMPORT
from lims_bridge.forms import MappingForm, PullForm, UploadForm
from lims_bridge.models import Transfer
from lims_bridge.senaite import Site

PREVIEW_ROWS = 200


def _problem(exc: DomainError) -> str:
    named = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return f"{exc.message} {named}".strip()


@capability_required(IMPORT)
def imports(request: HttpRequest) -> HttpResponse:
    names = list(selectors.mappings().values_list("name", flat=True))
    history = [selectors.transfer_json(t) for t in selectors.transfers()[:50]]
    for item in history:
        item["created"] = datetime.fromisoformat(item["created_at"])
        item["shown_counts"] = _counts(item["counts"])
    return render(request, "lims_bridge/imports.html", {
        "upload_form": UploadForm(mappings=names), "mapping_form": MappingForm(),
        "pull_form": PullForm(), "mappings": [selectors.mapping_json(m)
                                              for m in selectors.mappings()],
        "history": history, "site": Site.configured(),
        "running": any(t["state"] in ("queued", "running") for t in history),
    })  # fmt: skip


COUNTS = {
    "rows": "rows", "analyses": "analyses read", "created": "created", "replayed": "replayed",
    "unchanged": "unchanged", "not_modified": "not modified since",
    "other_batches": "of other batches", "without_result": "without a result yet",
}  # fmt: skip


def _counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A transfer's counts in a fixed order, in words."""
    return [(label, counts[key]) for key, label in COUNTS.items() if key in counts]


@require_POST
@capability_required(IMPORT)
def upload(request: HttpRequest) -> HttpResponse:
    names = list(selectors.mappings().values_list("name", flat=True))
    form = UploadForm(request.POST, request.FILES, mappings=names)
    if not form.is_valid():
        messages.error(request, "Choose a file and a mapping, then upload again.")
        return redirect("lims_bridge:imports")
    upload = form.cleaned_data["file"]
    try:
        staged = services.file_stage(actor=request.user, content=upload.read(),
                                     filename=upload.name or "upload",
                                     mapping_name=form.cleaned_data["mapping"])  # fmt: skip
    except DomainError as exc:
        messages.error(request, f"Not uploaded: {_problem(exc)}")
        return redirect("lims_bridge:imports")
    return redirect("lims_bridge:preview", transfer_id=staged.pk)


@capability_required(IMPORT)
def preview(request: HttpRequest, transfer_id: int) -> HttpResponse:
    staged = get_object_or_404(Transfer, pk=transfer_id, kind=Transfer.Kind.FILE)
    context: dict[str, object] = {"transfer": selectors.transfer_json(staged)}
    if staged.state == Transfer.State.PREVIEWED:
        try:
            found = services.file_preview(bytes(staged.content or b""), staged.filename,
                                          staged.mapping)  # fmt: skip
        except DomainError as exc:
            context["problem"] = _problem(exc)
        else:
            hidden = ("row", "outcome", "flag")
            columns = sorted({k for row in found.rows for k in row if k not in hidden},
                             key=_column_order)  # fmt: skip
            shown = [{**row, "cells": [row.get(c, "") for c in columns]}
                     for row in found.rows[:PREVIEW_ROWS]]  # fmt: skip
            context |= {"rows": shown, "total": len(found.rows),
                        "columns": columns, "problems": found.problems[:500],
                        "counts": _outcomes(found.rows)}  # fmt: skip
    return render(request, "lims_bridge/preview.html", context)


ORDER = ["lims_id", "revision", "batch_number", "sample_id", "test", "result", "unit",
         "spec_low", "spec_high", "status"]  # fmt: skip


def _column_order(name: str) -> tuple[int, str]:
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def _outcomes(rows: list[dict[str, object]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        key = str(row.get("outcome", "invalid"))
        counts[key] = counts.get(key, 0) + 1
    return counts


@require_POST
@capability_required(IMPORT)
def confirm(request: HttpRequest, transfer_id: int) -> HttpResponse:
    staged = get_object_or_404(Transfer, pk=transfer_id, kind=Transfer.Kind.FILE)
    try:
        transfer, stored = services.file_import(actor=request.user, staged=staged)
    except DomainError as exc:
        rows = "; ".join(f"row {i.get('row', '?')} {i.get('field', '')}: {i.get('error', '')}"
                         for i in exc.items[:5])  # fmt: skip
        messages.error(request, f"Nothing imported: {exc.message} {rows}".strip())
        return redirect("lims_bridge:preview", transfer_id=transfer_id)
    messages.success(request, f"{transfer.filename}: {stored.created} result(s) stored, "
                              f"{len(stored.outcomes) - stored.created} replayed.")  # fmt: skip
    return redirect("lims_bridge:imports")


@require_POST
@capability_required(IMPORT)
def mapping_new(request: HttpRequest) -> HttpResponse:
    form = MappingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            columns = json.loads(data["columns"])
            mapping, created = services.mapping_save(
                actor=request.user, name=data["name"], columns=columns, sheet=data["sheet"],
                timestamp_format=data["timestamp_format"],
            )  # fmt: skip
        except json.JSONDecodeError as exc:
            messages.error(request, f"Not saved: the columns are not JSON ({exc.msg}).")
        except DomainError as exc:
            messages.error(request, f"Not saved: {_problem(exc)}")
        else:
            messages.success(
                request, f"Mapping {mapping.name} {'saved' if created else 'replaced'}."
            )
    else:
        messages.error(request, "Not saved: give a name and the columns.")
    return redirect("lims_bridge:imports")


@require_POST
@capability_required(IMPORT)
def pull_new(request: HttpRequest) -> HttpResponse:
    from lims_bridge.tasks import pull

    form = PullForm(request.POST)
    since = form.cleaned_data["since"] if form.is_valid() else None
    try:
        transfer = services.pull_queue(actor=request.user,
                                       since=format_ts(since) if since else None)  # fmt: skip
    except DomainError as exc:
        messages.error(request, f"Not pulled: {_problem(exc)}")
        return redirect("lims_bridge:imports")
    pull.defer(transfer_id=transfer.pk, username=request.user.get_username())
    messages.success(request, f"Pull #{transfer.pk} queued: its progress shows below.")
    return redirect("lims_bridge:imports")
