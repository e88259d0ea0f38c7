from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import ROLE_LABELS
from core.navigation import visible_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = visible_items(user)
    sections: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        url = reverse(item.url_name)
        sections.setdefault(item.section, []).append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    roles: list[str] = []
    if user is not None and user.is_authenticated:
        roles = [ROLE_LABELS.get(n, n) for n in user.groups.values_list("name", flat=True)]
    return {
        "nav_sections": sections,
        "user_roles": roles,
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_SECONDS,
    }
