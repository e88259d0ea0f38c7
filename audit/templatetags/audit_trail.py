"""Rendering helpers for the trail: field-level old → new."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def change_rows(changes: Any) -> list[tuple[str, Any, Any]]:
    """[(field, old, new)] for row events; [(key, None, value)] for other events."""
    if not isinstance(changes, dict):
        return []
    rows: list[tuple[str, Any, Any]] = []
    for name in sorted(changes):
        value = changes[name]
        if isinstance(value, list) and len(value) == 2:
            rows.append((name, value[0], value[1]))
        else:
            rows.append((name, None, value))
    return rows


@register.filter
def shown(value: Any) -> str:
    if value is None:
        return "∅"
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"
