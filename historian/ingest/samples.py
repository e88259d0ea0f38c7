"""Items of an ingest request checked and typed into the columns of the accepted samples
(`Accepted`), or problems naming their index (API.md, "Ingest").

Columnar first: the common item — a number for a float tag, with a valid quality and time —
is checked over the request's columns (one pass each, each distinct timestamp parsed once).
Every other item (ints, booleans, text, nulls, non-finite numbers, anything wrong) goes
through the item-by-item check, which words every problem; a request repeating a tag and
timestamp is checked item by item as a whole (repeats counted once, differing repeats
refused). Both give the same samples, problems and digest.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from historian.digest import canonical_value, sample_line
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
    value_num: float | None
    value_str: str | None
    value_canonical: str
    quality: str


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


def validate_items(
    items: list[Any],
    tags: dict[str, tuple[int, str]],
    now: datetime,
    indices: list[int] | None = None,
) -> tuple[list[Sample], list[dict[str, Any]]]:
    """Item by item: Samples (identical repeats counted once) and the 422 items, by index
    (of `items`, or only those of `indices`).

    A collector sends many tags per timestamp: each distinct timestamp text is
    parsed once per request.
    """
    problems: list[dict[str, Any]] = []
    latest = now + FUTURE_TOLERANCE
    times: dict[Any, tuple[datetime, str] | str] = {}
    seen: dict[tuple[int, str], Sample] = {}
    samples: list[Sample] = []
    for index in range(len(items)) if indices is None else indices:
        item = items[index]
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
                when = parsed
            if isinstance(raw_ts, str):
                times[raw_ts] = when
        if isinstance(when, str):
            problems.append({"index": index, "field": "ts", "error": when})
            continue
        ts, ts_text = when
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
            value_num,
            value_str,
            canonical,
            quality,
        )
        seen[key] = sample
        samples.append(sample)
    return samples, problems


# PostgreSQL's timestamps count microseconds from here (binary COPY writes them so).
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
Column = np.ndarray[Any, np.dtype[Any]]


@dataclass
class Accepted:
    """The samples of a request as columns, in request order (after repeats are dropped)."""

    index: list[int]
    tag: list[str]
    tag_id: Column  # int32
    value_type: list[str]
    ts_us: Column  # int64 microseconds since PG_EPOCH
    ts_text: list[str]
    value_num: Column  # float64; meaningless where has_num is False
    has_num: Column  # bool
    value_str: list[str | None]
    canonical: list[str]
    quality: list[str]

    def __len__(self) -> int:
        return len(self.index)

    @property
    def numbers_only(self) -> bool:
        """Every sample a number (no text, no null): the fixed-width binary COPY applies."""
        return bool(self.has_num.all()) and not any(self.value_str)

    def quality_codes(self) -> Column:
        return np.fromiter(
            (QUALITY_CODES[q] for q in self.quality), dtype=np.int16, count=len(self)
        )

    def when(self, k: int) -> datetime:
        return PG_EPOCH + int(self.ts_us[k]) * _MICROSECOND

    def first_last(self) -> tuple[datetime | None, datetime | None]:
        if not len(self):
            return None, None
        return self.when(int(self.ts_us.argmin())), self.when(int(self.ts_us.argmax()))

    def tag_ids(self) -> list[int]:
        return [int(t) for t in np.unique(self.tag_id)]

    def take(self, keep: Column) -> Accepted:
        """The samples where `keep` (a bool mask) holds."""
        rows = np.flatnonzero(keep)
        pick = rows.tolist()

        def part(column: Any) -> Any:
            return column[rows] if isinstance(column, np.ndarray) else [column[k] for k in pick]

        return Accepted(**{f.name: part(getattr(self, f.name)) for f in fields(self)})

    def digest(self) -> str:
        """SHA-256 of the canonical lines sorted by tag then ts (historian.digest): the order
        of the lines' text, since a tag's name ends at a tab and canonical times sort as
        they read."""
        lines = list(map(sample_line, self.tag, self.ts_text, self.canonical, self.quality))
        distinct = set(self.tag)
        if any(name and min(name) <= "\t" for name in distinct):  # a tab or lower in a name
            ordered = sorted(lines)
        else:
            rank = {name[:-1]: k for k, name in enumerate(sorted(n + "\t" for n in distinct))}
            ranks = np.fromiter((rank[t] for t in self.tag), dtype=np.int64, count=len(self))
            ordered = [lines[k] for k in np.lexsort((self.ts_us, ranks)).tolist()]
        return hashlib.sha256("".join(ordered).encode("utf-8")).hexdigest()

    @classmethod
    def of(cls, samples: list[Sample]) -> Accepted:
        return cls(
            index=[s.index for s in samples],
            tag=[s.tag for s in samples],
            tag_id=np.array([s.tag_id for s in samples], dtype=np.int32),
            value_type=[s.value_type for s in samples],
            ts_us=np.array([(s.ts - PG_EPOCH) // _MICROSECOND for s in samples], dtype=np.int64),
            ts_text=[s.ts_text for s in samples],
            value_num=np.array(
                [s.value_num if s.value_num is not None else 0.0 for s in samples],
                dtype=np.float64,
            ),
            has_num=np.array([s.value_num is not None for s in samples], dtype=bool),
            value_str=[s.value_str for s in samples],
            canonical=[s.value_canonical for s in samples],
            quality=[s.quality for s in samples],
        )

    def joined(self, other: Accepted) -> Accepted:
        def both(mine: Any, theirs: Any) -> Any:
            return np.concatenate([mine, theirs]) if isinstance(mine, np.ndarray) else mine + theirs

        return Accepted(
            **{f.name: both(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)}
        )


def validate(
    items: Any, tags: dict[str, tuple[int, str]], now: datetime
) -> tuple[Accepted, list[dict[str, Any]]]:
    """The accepted samples as columns (identical repeats counted once) and the 422 items,
    by index: the columnar check of the common items, the item-by-item check of the rest."""
    if not isinstance(items, list):
        return Accepted.of([]), [{"index": None, "field": "samples", "error": "samples is a list"}]
    fast = _columns(items, tags, now)
    if fast is None:
        samples, problems = validate_items(items, tags, now)
        return Accepted.of(samples), problems
    accepted, rest = fast
    samples, problems = validate_items(items, tags, now, rest)
    if samples:
        accepted = accepted.joined(Accepted.of(samples))
    if len(set(zip(accepted.tag_id.tolist(), accepted.ts_text, strict=True))) < len(accepted):
        # A tag and timestamp repeated: item by item, which tells repeats from conflicts.
        samples, problems = validate_items(items, tags, now)
        return Accepted.of(samples), problems
    return accepted, problems


def _columns(
    items: list[Any], tags: dict[str, tuple[int, str]], now: datetime
) -> tuple[Accepted, list[int]] | None:
    """The items that are a finite float for a float tag with a valid quality and time,
    checked over columns, and the indices of the others; None where the request's shape
    (an item not an object, a key missing, an unhashable field) calls for the item-by-item
    check throughout."""
    try:
        names = [item["tag"] for item in items]
        stamps = [item["ts"] for item in items]
        values = [item["value"] for item in items]
        qualities = [item.get("quality", "good") for item in items]
        distinct = set(stamps)
        kinds = [tags.get(name) for name in names]
        fine_quality = set(qualities) <= QUALITY_CODES.keys()
    except (KeyError, TypeError, AttributeError):
        return None
    latest = now + FUTURE_TOLERANCE
    times: dict[Any, tuple[int, str] | None] = {}
    for stamp in distinct:
        parsed = parse_ts(stamp)
        times[stamp] = (
            None
            if isinstance(parsed, str) or parsed[0] > latest
            else ((parsed[0] - PG_EPOCH) // _MICROSECOND, parsed[1])
        )
    when = [times[stamp] for stamp in stamps]
    fit = [
        kind is not None and kind[1] == "float" and type(value) is float and moment is not None
        for kind, value, moment in zip(kinds, values, when, strict=True)
    ]
    if not fine_quality:
        fit = [ok and q in QUALITY_CODES for ok, q in zip(fit, qualities, strict=True)]
    numbers = np.array([v if ok else 0.0 for v, ok in zip(values, fit, strict=True)], np.float64)
    keep = np.array(fit, dtype=bool) & np.isfinite(numbers)
    rows = np.flatnonzero(keep).tolist()
    rest = np.flatnonzero(~keep).tolist()
    ts_text = [when[k][1] for k in rows]
    tag = [names[k] for k in rows]
    canonical = [repr(values[k]) for k in rows]
    count = len(rows)
    accepted = Accepted(
        index=rows,
        tag=tag,
        tag_id=np.fromiter((kinds[k][0] for k in rows), dtype=np.int32, count=count),
        value_type=["float"] * count,
        ts_us=np.fromiter((when[k][0] for k in rows), dtype=np.int64, count=count),
        ts_text=ts_text,
        value_num=numbers[keep],
        has_num=np.ones(count, dtype=bool),
        value_str=[None] * count,
        canonical=canonical,
        quality=[qualities[k] for k in rows],
    )
    return accepted, rest


def tag_map(items: Any) -> dict[str, tuple[int, str]]:
    """The tags a request names: name → (id, value type)."""
    if not isinstance(items, list):
        return {}
    try:
        names = {item["tag"] for item in items}
    except (KeyError, TypeError, AttributeError):
        names = {
            item.get("tag")
            for item in items
            if isinstance(item, dict) and isinstance(item.get("tag"), str)
        }
    names = {name for name in names if isinstance(name, str)}
    return {
        name: (pk, value_type)
        for pk, name, value_type in Tag.objects.filter(name__in=names).values_list(
            "pk", "name", "value_type"
        )
    }
