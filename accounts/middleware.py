"""Idle session timeout and the forced change of a one-time password."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from audit.services import record_security_event

LAST_SEEN = "ledgerline_last_seen"


# Pages send this header on the requests a person caused (a click, a key, a zoom); the
# requests a page makes by itself (polls, refreshes) never carry it.
ACTIVITY_HEADER = "X-Ledgerline-Activity"


def caused_by_a_person(request: HttpRequest) -> bool:
    """A page the browser navigates to is a person's doing; an API call from a page counts
    only when the page marks it (background polling never does)."""
    if not request.path.startswith("/api/"):
        return True
    return request.headers.get(ACTIVITY_HEADER) == "1"


class IdleTimeoutMiddleware:
    """Ends a session idle for longer than IDLE_TIMEOUT_SECONDS (15 min by default).

    Idle means no request a person caused: background requests of an open page do not keep
    the session alive (21 CFR 11.300; Annex 11 §12).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - float(last) > settings.IDLE_TIMEOUT_SECONDS:
                record_security_event(actor=user, event="session_timeout", subject=user.username)
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                # Back to the very address after signing in: its query keeps the view.
                return redirect(
                    f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
                )
            if last is None or caused_by_a_person(request):
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A one-time password issued by an administrator must be changed before anything else."""

    ALLOWED_PREFIXES = ("/static/", "/accounts/logout/", "/accounts/password/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not request.path.startswith("/api/")
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
