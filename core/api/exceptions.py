"""One handler: every API error has the body of API.md.

`{"error": code, "detail": text, "fields": {...}, "items": [...]}`
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from core.deferred import in_caller_transaction, run_after_rollback
from core.errors import DomainError

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (
    "The database is not answering; this request may not have been stored. Send the same "
    f"request again in {RETRY_AFTER_SECONDS} s."
)


def error_body(
    code: str,
    detail: str,
    *,
    fields: dict[str, Any] | None = None,
    items: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "detail": detail}
    if fields:
        body["fields"] = fields
    if items:
        body["items"] = items
    return body


def _flatten(detail: Any) -> Any:
    if isinstance(detail, list):
        return [str(d) for d in detail] if all(not isinstance(d, dict) for d in detail) else detail
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # The request's transaction has rolled back by now: record what a refusal must leave.
    if getattr(exc, "after_rollback", None) and not in_caller_transaction():
        run_after_rollback(exc)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(
                "too_large",
                "The request body is larger than the configured limit "
                f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes): send smaller requests.",
            ),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DataError):
        # What a column cannot hold (a NUL character, a value out of its range): the input's
        # fault, and the transaction has rolled back.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "out of range"
        return Response(
            error_body("invalid", f"A value cannot be stored: {reason}. Correct it and resend."),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        # The database cannot be reached (stopped, restarting, the network between) or gave up
        # on the transaction. Whether a commit under way when the connection broke took effect
        # is unknown here, so the client sends the same request again: an ingest batch under
        # its key is stored once however often it comes.
        return Response(
            error_body("unavailable", UNAVAILABLE),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DomainError):
        body = error_body(exc.code, exc.message, fields=exc.fields, items=exc.items)
        return Response({**body, **exc.extra}, status=exc.status)
    if isinstance(exc, ValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        return Response(
            error_body("invalid", " ".join(exc.messages), fields=_flatten(fields)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code, detail = "unauthenticated", str(exc.detail)
    elif isinstance(exc, exceptions.PermissionDenied):
        code, detail = "forbidden", str(exc.detail)
    elif isinstance(exc, exceptions.NotFound):
        code, detail = "not_found", str(exc.detail)
    elif isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {}
        text = "The request is not valid: see fields." if fields else str(_flatten(exc.detail))
        response.data = error_body("invalid", text, fields=fields)
        return response
    elif isinstance(exc, exceptions.APIException) and response.status_code == 413:
        code, detail = "too_large", str(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        code, detail = str(exc.get_codes()), str(exc.detail)
        if not isinstance(code, str) or code.startswith(("{", "[")):
            code = "invalid"
    else:
        code, detail = "invalid", str(exc)
    response.data = error_body(code, detail)
    return response
