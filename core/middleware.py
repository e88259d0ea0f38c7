"""Request id: every request gets one, echoed in `X-Request-Id` and in its audit events; the
app's own page for every HTML "not found"."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.request_context import new_request_id, reset_request_id, set_request_id

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-Id", "")
        request_id = supplied if _CLIENT_ID.match(supplied) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-Id"] = request_id
        return response


class NotFoundPageMiddleware:
    """Every HTML "not found" is the app's own page, in every configuration: Django's DEBUG
    page (which lists every URL pattern) is never served. Under /api/ the answer is the
    API's error body (API.md: `not_found`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or getattr(response, "own_page", False):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response  # the API's JSON 404s pass as they are
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "error": "not_found",
                    "detail": f"No endpoint at {request.path}: the API is described at /api/docs/.",
                },
                status=404,
            )
        page = render(request, "404.html", status=404)
        page.own_page = True  # type: ignore[attr-defined]
        return page
