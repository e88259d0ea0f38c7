"""Items of an ingest request checked and typed: each becomes a Sample with its canonical
line, or a problem naming its index (API.md, "Ingest")."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from historian.digest import canonical_value, digest_lines, sample_line
from historian.models import Tag
from historian.quality import QUALITY_CODES
from historian.timestamps import parse_ts

FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_EXACT_INT = 2**53


@dataclass(slots=True)
class Sample:
    index: int
    tag: str
    tag_id: int
    value_type: str
    ts: datetime
    ts_text: str
    minute: datetime
    value_num: float | None
    value_str: str | None
    value_canonical: str
    quality: str
    line: str  # the canonical line of the digest


def coerce_value(
    value_type: str, value: Any, quality: str
) -> tuple[float | None, str | None] | str:
    """(value_num, value_str) for storage, or why the value does not fit the tag."""
    if value is None:
        return (None, None) if quality == "bad" else "null is allowed only with quality bad"
    if value_type == "string":
        if not isinstance(value, str):
            return "this tag takes text"
        if "\x00" in value:
            return "text cannot hold the NUL character (U+0000)"
        return None, value
    if isinstance(value, bool):
        if value_type == "bool":
            return (1.0 if value else 0.0), None
        return "this tag takes numbers, not true/false"
    if value_type == "bool":
        return "this tag takes true or false"
    if not isinstance(value, int | float):
        return f"this tag takes {'integers' if value_type == 'int' else 'numbers'}"
    if value_type == "int" and isinstance(value, int) and abs(value) > MAX_EXACT_INT:
        return f"integers are stored exactly up to ±2^53 ({MAX_EXACT_INT})"
    try:
        number = float(value)
    except OverflowError:
        return "the number is beyond the range of a double (±1.8e308)"
    if not math.isfinite(number):
        if quality != "bad":
            return "a non-finite value (NaN, inf) is allowed only with quality bad"
        if value_type == "int":
            return "this tag takes integers"
        return number, None
    if value_type == "int":
        if isinstance(value, float) and not value.is_integer():
            return "this tag takes integers (12 or 12.0)"
        if abs(int(value)) > MAX_EXACT_INT:
            return f"integers are stored exactly up to ±2^53 ({MAX_EXACT_INT})"
        return float(int(value)), None
    return number, None


def validate(
    items: Any, tags: dict[str, tuple[int, str]], now: datetime
) -> tuple[list[Sample], list[dict[str, Any]]]:
    """Samples (identical repeats counted once) and the 422 items, by index.

    A collector sends many tags per timestamp: each distinct timestamp text is
    parsed once per request.
    """
    problems: list[dict[str, Any]] = []
    if not isinstance(items, list):
        return [], [{"index": None, "field": "samples", "error": "samples is a list"}]
    latest = now + FUTURE_TOLERANCE
    times: dict[Any, tuple[datetime, str, datetime] | str] = {}
    seen: dict[tuple[int, str], Sample] = {}
    samples: list[Sample] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append({"index": index, "field": None, "error": "an item is an object"})
            continue
        tag_name = item.get("tag")
        if not isinstance(tag_name, str):
            problems.append({"index": index, "field": "tag", "error": "tag is a tag's name"})
            continue
        tag = tags.get(tag_name)
        if tag is None:
            problems.append({"index": index, "field": "tag", "error": f"unknown tag {tag_name!r}"})
            continue
        quality = item.get("quality", "good")
        if not isinstance(quality, str) or quality not in QUALITY_CODES:
            problems.append(
                {"index": index, "field": "quality", "error": "quality is good, uncertain or bad"}
            )
            continue
        raw_ts = item.get("ts")
        when = times.get(raw_ts) if isinstance(raw_ts, str) else None
        if when is None:
            parsed = parse_ts(raw_ts)
            if isinstance(parsed, str):
                when = parsed
            elif parsed[0] > latest:
                when = "more than 5 minutes in the future"
            else:
                when = (parsed[0], parsed[1], parsed[0].replace(second=0, microsecond=0))
            if isinstance(raw_ts, str):
                times[raw_ts] = when
        if isinstance(when, str):
            problems.append({"index": index, "field": "ts", "error": when})
            continue
        ts, ts_text, minute = when
        if "value" not in item:
            problems.append({"index": index, "field": "value", "error": "value is required"})
            continue
        tag_id, value_type = tag
        value = item["value"]
        value_num: float | None
        value_str: str | None
        if value_type == "float" and type(value) is float and math.isfinite(value):
            value_num, value_str, canonical = value, None, repr(value)  # the common case
        else:
            coerced = coerce_value(value_type, value, quality)
            if isinstance(coerced, str):
                problems.append({"index": index, "field": "value", "error": coerced})
                continue
            value_num, value_str = coerced
            canonical = canonical_value(value_type, value_num, value_str)
        key = (tag_id, ts_text)
        earlier = seen.get(key)
        if earlier is not None:
            if (earlier.value_canonical, earlier.quality) != (canonical, quality):
                problems.append(
                    {
                        "index": index,
                        "field": "value",
                        "error": f"differs from item {earlier.index} for the same tag and "
                        "timestamp",
                    }
                )
            continue
        sample = Sample(
            index,
            tag_name,
            tag_id,
            value_type,
            ts,
            ts_text,
            minute,
            value_num,
            value_str,
            canonical,
            quality,
            sample_line(tag_name, ts_text, canonical, quality),
        )
        seen[key] = sample
        samples.append(sample)
    return samples, problems


def request_digest(samples: list[Sample]) -> str:
    return digest_lines(sorted(s.line for s in samples))


def tag_map(items: Any) -> dict[str, tuple[int, str]]:
    names = (
        {
            item.get("tag")
            for item in items
            if isinstance(item, dict) and isinstance(item.get("tag"), str)
        }
        if isinstance(items, list)
        else set()
    )
    return {
        name: (pk, value_type)
        for pk, name, value_type in Tag.objects.filter(name__in=names).values_list(
            "pk", "name", "value_type"
        )
    }
