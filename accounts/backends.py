"""Password login through the lockout-aware account service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.errors import AuthenticationRefused
from accounts.models import User
from accounts.services import authenticate_credentials


class LockoutAwareBackend(ModelBackend):
    """Case-insensitive usernames; lockout per username; service accounts refused."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        try:
            user = authenticate_credentials(username=username, password=password)
        except AuthenticationRefused as refused:
            if request is not None:
                request.login_refusal = refused  # type: ignore[attr-defined]
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(getattr(user, "is_active", False)) and not getattr(
            user, "is_service_account", False
        )
