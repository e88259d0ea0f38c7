"""A report's time window from its parameters, checked field by field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from historian.timestamps import parse_ts


def window(params: dict[str, Any], problems: dict[str, str]) -> tuple[datetime, datetime] | None:
    """`start` and `end` (ISO 8601 with an offset, end after start), or None after naming in
    `problems` what is wrong with them."""
    times: dict[str, datetime] = {}
    for name in ("start", "end"):
        parsed = parse_ts(params.get(name) or "")
        if isinstance(parsed, str):
            problems[name] = parsed
        else:
            times[name] = parsed[0]
    if len(times) == 2 and times["end"] <= times["start"]:
        problems["end"] = "after start"
    if len(times) < 2 or "end" in problems:
        return None
    return times["start"], times["end"]
