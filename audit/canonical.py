"""The one canonical form that everything in Ledgerline hashes.

Standard library only: the standalone verifier (`python -m audit.verify`)
imports this module on an auditor's laptop, with no Django and no database.

JSON with sorted keys, separators `,` and `:`, UTF-8 without ASCII escaping;
timestamps `YYYY-MM-DDTHH:MM:SS.ffffffZ`; decimals as strings; floats as
Python `repr`; bytes as hex.

What is hashed is always read back from PostgreSQL (or from an export line
written from it) and parsed by `parse_json`, the one parser of the sealer and
both verifiers: integers of any size stay exact integers, a decimal that a
float represents exactly becomes that float, and any other decimal (a long
one, or one beyond the float range) stays a `Decimal`, written as its text.
So every value `jsonb` can hold hashes the same in all three, and two
different stored numbers never hash alike.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def format_ts(value: datetime) -> str:
    """UTC timestamp with exactly six fractional digits and a `Z`."""
    if value.tzinfo is None:
        raise ValueError("naive datetime cannot be put in canonical form")
    text = value.astimezone(UTC).isoformat(timespec="microseconds")
    return text[:-6] + "Z"  # "+00:00" → "Z"


def _default(value: Any) -> Any:
    """JSON for the non-JSON types; JSON's own types pass through the C encoder untouched."""
    if isinstance(value, datetime):
        return format_ts(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot put {type(value).__name__} in canonical form")


_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys, `,` and `:`, UTF-8 unescaped; floats as Python `repr`."""
    return _encoder.encode(value).encode("utf-8")


def canonical_text(value: Any) -> str:
    return _encoder.encode(value)


def _parse_number(text: str) -> float | Decimal:
    """A JSON number with a fraction or an exponent: a float when the float is exactly it."""
    value = float(text)
    if math.isfinite(value) and (repr(value) == text or Decimal(repr(value)) == Decimal(text)):
        return value
    return Decimal(text)


def parse_json(text: str | bytes) -> Any:
    """Parse JSON as PostgreSQL's `jsonb` writes it (or an export line), for hashing."""
    return json.loads(text, parse_float=_parse_number)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


EVENT_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "action",
    "table",
    "pk",
    "changes",
    "reason",
    "request_id",
    "prev_hash",
)


def event_content(event: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed content of an audit event (DESIGN.md, "Canonical form")."""
    return {name: event[name] for name in EVENT_FIELDS}


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 over the event's canonical content, which includes `prev_hash`."""
    return sha256_hex(canonical_json(event_content(event)))
