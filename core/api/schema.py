"""The OpenAPI schema documents every status code an operation can answer, with its body.

Every error has the body of API.md (`ErrorSerializer`). Which codes an operation can give
follows from what it is: 400 (unreadable or invalid input), 406 (an `Accept` it cannot
serve); 401 and 403 unless it is public; 404 where its path names a resource; 413 and 415
where it takes a body; plus what the view declares for a method in `error_statuses` (409,
422, …). A schema-driven fuzzer (tests/core/test_api_fuzz.py) holds every answer to it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

# An API error (API.md): a machine-readable code, a sentence, and what it is about. Built
# inline: a serializer class cannot declare a field named `fields`.
ErrorSerializer = inline_serializer(
    "Error",
    fields={
        "error": serializers.CharField(
            help_text="invalid, parse_error, unauthenticated, forbidden, signature_failed, "
            "not_found, not_acceptable, conflict, idempotency_mismatch, unprocessable, "
            "too_large, unsupported_media_type, unavailable"
        ),
        "detail": serializers.CharField(help_text="What is wrong and what to do next"),
        "fields": serializers.DictField(required=False, help_text="Offending fields → why"),
        "items": serializers.ListField(
            child=serializers.DictField(),
            required=False,
            help_text="Offending items of a list: index, field, error",
        ),
    },
)


DESCRIPTIONS = {
    400: "The request cannot be read or is not valid: see `detail` and `fields`.",
    401: "Not authenticated: sign in, or send `Authorization: Token <key>`.",
    403: "Authenticated, but this account may not do this (or a signature failed).",
    404: "No such resource.",
    406: "The `Accept` header names no media type this operation can give.",
    409: "Conflicts with the stored state: see `detail` (and `items`).",
    413: "The body is larger than the configured limit.",
    415: "The body's `Content-Type` is not one this operation reads.",
    422: "Understood, but some content cannot be processed: see `items` and `fields`.",
}


def error_response(code: int, description: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description or DESCRIPTIONS[code])


class LedgerlineAutoSchema(AutoSchema):
    def error_statuses(self) -> set[int]:
        view = self.view
        codes = {400, 406}
        if not getattr(view, "public", False):
            codes |= {401, 403}
        if "{" in self.path:
            codes.add(404)
        if self.method in {"POST", "PUT", "PATCH"}:
            codes |= {413, 415}
        declared: dict[str, set[int]] = getattr(view, "error_statuses", {}) or {}
        codes |= set(declared.get(self.method, set()))
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in sorted(self.error_statuses()):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    error_response(code), str(code), direction=direction
                )
        return responses
