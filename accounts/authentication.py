"""DRF authentication by API token (`Authorization: Token <key>`)."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.services import token_authenticate


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """Hashed, expiring, revocable tokens; listed first so anonymous calls get 401."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "Invalid, expired or revoked token, or the account is deactivated."
            )
        return token.user, token

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return super().authenticate(request)
