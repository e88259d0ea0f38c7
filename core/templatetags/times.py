"""Times as people read them: the site's zone (settings.TIME_ZONE, LEDGERLINE_SITE_TIME_ZONE)
with UTC beside it. Built into every template (settings: TEMPLATES builtins)."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _site_is_utc() -> bool:
    return timezone.get_current_timezone_name() in {"UTC", "Etc/UTC"}


@register.filter
def when(value: datetime | None) -> SafeString | str:
    """`2026-11-27 08:15:02 CET (07:15:02 UTC)`: local time first, UTC beside it; one UTC
    time where the site runs on UTC. A machine-readable ISO time in `datetime`."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    utc = value.astimezone(UTC)
    iso = utc.isoformat(timespec="seconds").replace("+00:00", "Z")
    if _site_is_utc():
        return format_html(
            '<time datetime="{}" class="when">{} UTC</time>', iso, f"{utc:%Y-%m-%d %H:%M:%S}"
        )
    same_day = local.date() == utc.date()
    utc_text = f"{utc:%H:%M:%S}" if same_day else f"{utc:%Y-%m-%d %H:%M:%S}"
    return format_html(
        '<time datetime="{}" class="when">{} {} <span class="utc">({} UTC)</span></time>',
        iso,
        f"{local:%Y-%m-%d %H:%M:%S}",
        local.tzname() or "",
        utc_text,
    )


@register.filter
def when_text(value: str | None) -> SafeString | str:
    """`when` for a canonical UTC text (`2026-03-01T06:00:00.000000Z`), as the API gives it."""
    if not value:
        return "—"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return when(parsed)


@register.simple_tag
def times_note() -> str:
    """What a page says of its times: that they are UTC, or in which zone with UTC beside."""
    if _site_is_utc():
        return "Times are UTC."
    return f"Times in {timezone.get_current_timezone_name()}, UTC beside."


@register.simple_tag
def site_zone_name() -> str:
    return timezone.get_current_timezone_name()
