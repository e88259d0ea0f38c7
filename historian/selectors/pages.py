"""Reads for the historian pages: the tag browser's list, latest values, equipment tree."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from audit.canonical import format_ts
from historian.digest import stored_value
from historian.filters import filtered_tags
from historian.models import Equipment, Tag
from historian.quality import QUALITY_NAMES


def tag_list(*, search: str = "", equipment: str = "") -> QuerySet[Tag]:
    """Tags for the browser, filtered as the API filters them (historian.filters)."""
    return filtered_tags({"search": search, "equipment": equipment}).order_by(
        "equipment__path", "name"
    )


def latest_values(tags: list[Tag]) -> dict[int, dict[str, Any]]:
    """The current sample of each tag (one index probe per tag)."""
    if not tags:
        return {}
    by_id = {t.pk: t for t in tags}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.id, s.ts, s.value_num, s.value_text, s.quality
               FROM unnest(%s::integer[]) AS t(id)
               CROSS JOIN LATERAL (
                   SELECT ts, value_num, value_text, quality FROM historian_sample
                   WHERE tag_id = t.id ORDER BY ts DESC LIMIT 1) s""",
            [list(by_id)],
        )
        rows = cursor.fetchall()
    return {
        tag_id: {
            "ts": format_ts(ts),
            "quality": QUALITY_NAMES[q],
            "value": stored_value(by_id[tag_id].value_type, num, text),
        }
        for tag_id, ts, num, text, q in rows
    }


def equipment_tree() -> list[Equipment]:
    return list(Equipment.objects.order_by("path"))
