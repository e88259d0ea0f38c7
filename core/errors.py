"""The domain error hierarchy every app's services raise; one handler maps it to HTTP."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken: 400 `invalid` unless a subclass says otherwise."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, Any] | None = None,
        items: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.items = items or []
        self.extra: dict[str, Any] = {}  # further members of the error body (e.g. a 409's)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """A state-machine or stored-data conflict (409)."""

    code = "conflict"
    status = 409


class Unprocessable(DomainError):
    code = "unprocessable"
    status = 422
