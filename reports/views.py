"""Report pages: a PDF checked for authenticity and integrity by the people who receive it."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.decorators import capability_required
from reports import selectors
from reports.apps import RENDER

MAX_BYTES = 32 * 1024 * 1024


class VerifyForm(forms.Form):
    file = forms.FileField(label="A Ledgerline PDF")


@capability_required(RENDER)
def verify(request: HttpRequest) -> HttpResponse:
    verdict, problem = None, ""
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["file"].size <= MAX_BYTES:
            verdict = selectors.verification(form.cleaned_data["file"].read())
        else:
            problem = "Choose a PDF of at most 32 MB."
    return render(request, "reports/verify.html", {"form": form, "verdict": verdict,
                                                   "problem": problem})  # fmt: skip
