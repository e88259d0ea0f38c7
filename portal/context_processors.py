from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import ROLE_LABELS
from portal.navigation import visible_items
from portal.selectors import integrity_alarms


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = visible_items(user)
    sections: dict[str, list[dict[str, Any]]] = {}
    urls = {item.label: reverse(item.url_name) for item in items}
    matching = [
        u for u in urls.values() if request.path == u or (u != "/" and request.path.startswith(u))
    ]
    current = max(matching, key=len) if matching else None
    for item in items:
        url = urls[item.label]
        sections.setdefault(item.section, []).append(
            {"label": item.label, "url": url, "icon": item.icon, "active": url == current}
        )
    roles: list[str] = []
    if user is not None and user.is_authenticated:
        roles = [ROLE_LABELS.get(n, n) for n in user.groups.values_list("name", flat=True)]
    alarms: list[dict[str, str]] = []
    if user is not None and user.is_authenticated and user.has_perm("audit.view_audit_trail"):
        alarms = integrity_alarms()
    return {
        "integrity_alarms": alarms,
        "nav_sections": sections,
        "user_roles": roles,
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_SECONDS,
    }
