"""The collectors' domain errors (mapped to HTTP by core's exception handler)."""

from __future__ import annotations

from core.errors import Forbidden


class CollectorTaken(Forbidden):
    """A heartbeat under a collector name another service account reports with."""

    code = "collector_taken"
