"""The navigation of the site: the entries every installed app declares on its AppConfig."""

from __future__ import annotations

from django.apps import apps

from core.navigation import SECTIONS, NavItem


def all_items() -> list[NavItem]:
    items = [
        item for config in apps.get_app_configs() for item in getattr(config, "navigation", ())
    ]
    return sorted(items, key=lambda i: (SECTIONS.index(i.section), i.order))


def visible_items(user: object) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        item
        for item in all_items()
        if item.permission is None or user.has_perm(item.permission)  # type: ignore[attr-defined]
    ]
