"""Domain errors of the LIMS bridge, mapped to HTTP by core.api.exceptions."""

from __future__ import annotations

from core.errors import DomainError


class LimsError(DomainError):
    """400 `invalid`: a field breaks a rule; `fields` says which and what to do."""

    code = "invalid"
