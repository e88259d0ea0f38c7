"""Rendering helpers for the trail: values in full (long ones fold open), record types by name."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from audit.canonical import canonical_text
from audit.selectors import record_label as _record_label

register = template.Library()

FOLD_AFTER = 120


@register.filter
def shown(value: Any) -> SafeString | str:
    """A value in full: ∅ for none, JSON for structures; a long one folds open on a click
    (never cut)."""
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else canonical_text(value)
    if len(text) <= FOLD_AFTER:
        return text
    return format_html(
        '<details class="long-value"><summary>{}… ({} characters)</summary>{}</details>',
        text[: FOLD_AFTER - 20],
        len(text),
        text,
    )


@register.filter
def record_label(table: str) -> str:
    return _record_label(table)
