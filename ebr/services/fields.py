"""What the batch-record services share in checking their input field by field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from historian.timestamps import parse_ts


def moment(value: Any, field: str, problems: dict[str, str]) -> datetime | None:
    """The timestamp a field gives (ISO 8601 with an offset, or a datetime), None when it is
    empty; what is wrong with it goes into `problems` under the field's name."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    parsed = parse_ts(value)
    if isinstance(parsed, str):
        problems[field] = parsed
        return None
    return parsed[0]
