"""What the batch-record pages share: the signing dialog's request, form problems in words, and
one way to call a service and say why nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest

from audit.forms import SignatureForm
from audit.signing import SignatureFailed, SignatureRequest
from core.deferred import run_after_rollback
from core.errors import DomainError
from ebr import selectors

T = TypeVar("T")


def attempt(request: HttpRequest, refused: str, call: Callable[[], T]) -> T | None:
    """The service call's result, or None after telling the person why nothing changed: the
    signature that failed (its failure is recorded after the rollback), or the rule broken
    with the fields at fault (`refused` begins that message, e.g. "Not planned")."""
    try:
        return call()
    except SignatureFailed as exc:
        run_after_rollback(exc)
        messages.error(request, f"Not signed: {exc}")
    except DomainError as exc:
        messages.error(request, f"{refused}: {exc.message} {fields_text(exc)}".rstrip())
    return None


def form_problems(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())


def fields_text(exc: DomainError) -> str:
    return "; ".join(f"{k}: {v}" for k, v in exc.fields.items())


def signature_of(form: SignatureForm) -> SignatureRequest:
    return SignatureRequest(
        username=form.cleaned_data["sig_username"],
        password=form.cleaned_data["sig_password"],
        meaning=form.cleaned_data["sig_meaning"],
        reason=form.cleaned_data["sig_reason"],
    )


def signature_posted(request: HttpRequest) -> SignatureRequest | None:
    """The signing dialog's request, or None after saying what it lacks."""
    sig = SignatureForm(request.POST)
    if not sig.is_valid():
        messages.error(request, "Not signed: the signature needs your password and a reason.")
        return None
    return signature_of(sig)


def optional_signature(request: HttpRequest) -> tuple[bool, SignatureRequest | None]:
    """The signing dialog's request when the form carries one: (False, None) after saying
    what is missing, (True, None) for a move that is not signed."""
    if not request.POST.get("sig_meaning"):
        return True, None
    signature = signature_posted(request)
    return signature is not None, signature


def line_codes() -> list[str]:
    return list(selectors.lines().values_list("code", flat=True))
