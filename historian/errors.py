"""Domain errors of the historian, mapped to HTTP by core.api.exceptions."""

from __future__ import annotations

from core.errors import Conflict, DomainError, Unprocessable


class HistorianError(DomainError):
    code = "invalid"


class IdempotencyMismatch(Conflict):
    """The ingest key was used before, with a different request."""

    code = "idempotency_mismatch"


class IngestConflict(Conflict):
    """A sample differs from the stored original at the same (tag, ts)."""

    code = "conflict"


class IngestUnprocessable(Unprocessable):
    """Items that cannot be stored, each named by its index."""


class TagLocked(Conflict):
    """unit, value_type and step cannot change once the tag has samples."""
