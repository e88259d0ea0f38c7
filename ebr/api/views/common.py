"""What the batch-record API views share."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request


def signing_session(request: Request) -> Any:
    """The browser session that signs (continuous signing), or None for a token."""
    return request.session if request.auth is None else None
