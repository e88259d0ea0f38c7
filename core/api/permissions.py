"""The one permission class every API endpoint uses.

A view states what each method needs in `capabilities` ({"GET": perm, ...},
"*" for any method; a tuple of permissions means any one of them). Without a
statement the endpoint is closed; `public = True` opens it to anonymous callers
(the view must then answer them with care). Unauthenticated → 401,
authenticated without the capability → 403.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class CapabilityPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "public", False):
            return True
        user = request.user
        if not user or not user.is_authenticated:
            return False
        needed = required_capability(view, request.method or "GET")
        if needed is None:
            return False
        # A tuple names alternatives: e.g. the capability itself, or carrying the signature of
        # a person who has it (the service then checks the signer).
        return any(user.has_perm(p) for p in ((needed,) if isinstance(needed, str) else needed))


def required_capability(view: Any, method: str) -> str | tuple[str, ...] | None:
    capabilities: dict[str, str | tuple[str, ...]] = getattr(view, "capabilities", {}) or {}
    return (
        capabilities.get(method.upper())
        or capabilities.get("*")
        or (capabilities.get("GET") if method.upper() in {"HEAD", "OPTIONS"} else None)
    )
