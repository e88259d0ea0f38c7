"""Domain errors of the batch records, mapped to HTTP by core.api.exceptions."""

from __future__ import annotations

from core.errors import Conflict, DomainError


class EbrError(DomainError):
    """400 `invalid`: a field breaks a rule; `fields` says which and what to do."""

    code = "invalid"


class LotNotUsable(Conflict):
    """409: the lot is not released, or has expired at the time it would be used."""
