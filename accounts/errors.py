"""Domain errors of the accounts app, mapped to HTTP by core.api.exceptions."""

from typing import Any

from core.errors import DomainError, Forbidden


class AccountError(DomainError):
    code = "invalid"


class SeparationOfDutiesError(AccountError):
    """An administrator may hold no GxP permission, and nobody else may administer."""


class AuthenticationRefused(Forbidden):
    """Credentials were wrong, or the account may not authenticate this way."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.after_rollback: list[Any] = []
        self.failures: int | None = None
