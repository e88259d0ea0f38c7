"""Reads for the historian pages: the tag browser's list, latest values, equipment tree, and
what the trend draws from its URL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from audit.canonical import format_ts
from historian.digest import stored_value
from historian.filters import filtered_tags
from historian.models import (
    MAX_TREND_TAGS,
    RELATIVE_WINDOWS,
    Equipment,
    Tag,
    TrendDisplay,
    TrendLayout,
)
from historian.quality import QUALITY_NAMES
from historian.timestamps import parse_ts


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


LAYOUTS = tuple(TrendLayout.values)  # an axis per unit, or a lane per tag
DEFAULT_SPAN = timedelta(hours=8)
LAST = {key: timedelta(seconds=seconds) for key, seconds in RELATIVE_WINDOWS.items()}


def _picked_window(params: Mapping[str, str], problems: list[str]) -> dict[str, str] | None:
    """The time picker's window: `last` (relative, until now) or `from`/`to` (absolute, in the
    site's time zone); None when the picker was not used."""
    last = params.get("last", "").strip()
    if last:
        if last not in LAST:
            problems.append(f"last={last!r} is not one of {', '.join(LAST)}.")
            return None
        now = timezone.now()
        end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        return {"start": format_ts(end - LAST[last]), "end": format_ts(end)}
    texts = {k: params.get(k, "").strip() for k in ("from", "to")}
    if not any(texts.values()):
        return None
    zone = timezone.get_current_timezone()
    window = {}
    for key, name in (("from", "start"), ("to", "end")):
        try:
            local = datetime.fromisoformat(texts[key])
        except ValueError:
            problems.append(
                f"{key}={texts[key]!r} is not a date and time: pick one, or type "
                f"YYYY-MM-DDTHH:MM ({zone} time)."
            )
            return None
        if local.tzinfo is None:
            local = local.replace(tzinfo=zone)
        window[name] = format_ts(local.astimezone(UTC))
    return window


def _latest_window(tags: list[Tag]) -> dict[str, str]:
    """The default window: the 8 hours up to the latest sample of any of the tags (the next
    whole minute), or up to now when none has a sample; one index probe per tag."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT max(s.ts) FROM unnest(%s::integer[]) AS t(id)
               CROSS JOIN LATERAL (SELECT ts FROM historian_sample WHERE tag_id = t.id
                                   ORDER BY ts DESC LIMIT 1) s""",
            [[t.pk for t in tags]],
        )
        latest = cursor.fetchone()[0] or timezone.now()
    end = latest.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return {"start": format_ts(end - DEFAULT_SPAN), "end": format_ts(end)}


def trend_request(params: Mapping[str, str]) -> dict[str, Any]:
    """What the trend page draws from its URL (`tags`, `start`, `end`): the tags found (in the
    order asked, at most MAX_TREND_TAGS), the names not found, and each problem with the URL
    said as what to fix. An unusable window is dropped, so the page opens on its default."""
    names = [n.strip() for n in params.get("tags", "").split(",") if n.strip()]
    found = {t.name: t for t in Tag.objects.filter(name__in=names).select_related("equipment")}
    known = [found[n] for n in dict.fromkeys(names) if n in found]
    problems = []
    if len(known) > MAX_TREND_TAGS:
        problems.append(
            f"{len(known)} tags asked for; the trend shows the first {MAX_TREND_TAGS}. Open a "
            "second trend for the others."
        )
        known = known[:MAX_TREND_TAGS]
    window: dict[str, str] = {}
    picked = _picked_window(params, problems)
    for name in ("start", "end") if picked is None else ():
        text = params.get(name, "").strip()
        if not text:
            continue
        parsed = parse_ts(text)
        if isinstance(parsed, str):
            problems.append(
                f"{name}={text!r} is not usable: {parsed}. The trend opens on the latest "
                "8 hours instead."
            )
        else:
            window[name] = parsed[1]
    if picked is not None:
        window = picked
    if len(window) == 1:
        problems.append("Give both start and end (or neither): the trend opens on its default.")
        window = {}
    if len(window) == 2 and window["end"] <= window["start"]:
        problems.append(
            f"end ({window['end']}) is not after start ({window['start']}): swap them. The "
            "trend opens on the latest 8 hours instead."
        )
        window = {}
    if not window and known:
        window = _latest_window(known)
    layout = params.get("layout", "").strip() or "axes"
    if layout not in LAYOUTS:
        problems.append(
            f"layout={layout!r} is not one of {', '.join(LAYOUTS)} (an axis per unit, or a "
            "lane per tag): the trend opens with an axis per unit."
        )
        layout = "axes"
    return {
        "tags": known,
        "missing": [n for n in dict.fromkeys(names) if n not in found],
        "problems": problems,
        "window": {
            "start": window.get("start", ""),
            "end": window.get("end", ""),
            "zone": timezone.get_current_timezone_name(),
            "layout": layout,
        },
        "tag_names": list(Tag.objects.order_by("name").values_list("name", flat=True)[:2000]),
        "tag_data": [
            {
                "name": t.name,
                "unit": t.unit,
                "step": t.step,
                "type": t.value_type,
                "low": t.range_low,
                "high": t.range_high,
                "spec_low": t.spec_low,
                "spec_high": t.spec_high,
                "alert_low": t.alert_low,
                "alert_high": t.alert_high,
            }
            for t in known
        ],
    }


def displays_of(user: Any) -> QuerySet[TrendDisplay]:
    """A person's own saved trend displays, by name."""
    return TrendDisplay.objects.filter(owner=user).order_by("name", "id")


def _span_words(start: datetime, end: datetime) -> str:
    """`2026-03-01 07:00 → 08:00 CET (06:00 → 07:00 UTC)`: the site's zone, UTC beside."""
    utc = f"{start.astimezone(UTC):%Y-%m-%d %H:%M} → {end.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if timezone.get_current_timezone_name() in {"UTC", "Etc/UTC"}:
        return utc
    first, last = timezone.localtime(start), timezone.localtime(end)
    return f"{first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M} {last.tzname()} ({utc})"


def display_json(display: TrendDisplay) -> dict[str, Any]:
    """A saved display as the API and the trend's menu give it, with the address that opens
    it and its window said in words."""
    query: dict[str, str] = {"tags": ",".join(display.tags)}
    if display.layout != TrendLayout.AXES:
        query["layout"] = display.layout
    if display.last:
        query["last"] = display.last
        window = f"last {display.last} until now"
    elif display.start is not None and display.end is not None:
        query["start"], query["end"] = format_ts(display.start), format_ts(display.end)
        window = _span_words(display.start, display.end)
    else:
        window = "the latest 8 hours of data"
    return {
        "id": display.pk,
        "name": display.name,
        "tags": display.tags,
        "layout": display.layout,
        "last": display.last,
        "start": format_ts(display.start) if display.start else None,
        "end": format_ts(display.end) if display.end else None,
        "window": window,
        "url": reverse("historian:trend") + "?" + urlencode(query, safe=",:"),
        "created_at": format_ts(display.created_at),
        "updated_at": format_ts(display.updated_at),
    }
