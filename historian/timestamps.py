"""Timestamps as API.md takes them: ISO 8601 with an offset, microseconds at most.

Both directions of the historian use it — ingest checks sample times with it, reads
check `start` and `end` — so it belongs to neither.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from audit.canonical import format_ts

_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")


def parse_ts(text: Any) -> tuple[datetime, str] | str:
    """(UTC datetime, canonical text), or why not: an offset is required, µs at most."""
    if not isinstance(text, str):
        return "a timestamp is an ISO 8601 string"
    match = _TS.match(text)
    if match is None:
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$", text):
            return "the timestamp has no offset: add Z or ±HH:MM"
        return "not an ISO 8601 timestamp with an offset (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)"
    fraction = match.group(1)
    if fraction is not None and len(fraction) > 6:
        return "finer than microseconds: at most 6 fractional digits"
    try:
        value = datetime.fromisoformat(text).astimezone(UTC)
    except ValueError as exc:
        return f"not a valid timestamp: {exc}"
    except OverflowError:
        return "out of range: in UTC the timestamp must fall in the years 1 to 9999"
    return value, format_ts(value)
