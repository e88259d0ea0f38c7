"""The answer to a request that failed on the server. While the database is not answering:
503 with Retry-After, the API's error body under /api/ and a page that says so elsewhere
(the DRF views answer the same through core.api.exceptions; this covers the rest, such as a
session read by a middleware). Anything else: Django's own 500."""

from __future__ import annotations

import sys

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

from core.api.exceptions import RETRY_AFTER_SECONDS, UNAVAILABLE, error_body


def server_error(request: HttpRequest) -> HttpResponse:
    failure = sys.exc_info()[1]  # Django calls this inside its handler of the exception
    if not isinstance(failure, OperationalError | InterfaceError):
        return defaults.server_error(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("unavailable", UNAVAILABLE), status=503)
    else:
        # Rendered without the request: its context processors would ask the database again.
        page = render_to_string("503.html", {"user": AnonymousUser(), "retry": 30})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
