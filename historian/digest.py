"""The canonical form of samples (API.md, "Historian") and its SHA-256.

One line per sample, sorted by tag then ts (Unicode code points):
`<tag>\\t<ts>\\t<value>\\t<quality>\\n`, UTF-8. A float is Python's repr
(`nan`, `inf`, `-inf`), an int decimal, a bool `true`/`false`, null `null`, a
string a JSON string literal without ASCII escaping. Values are compared by
this text when telling duplicates from conflicts.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from typing import Any


def value_text(value_type: str, value: Any) -> str:
    if value is None:
        return "null"
    if value_type == "float":
        return repr(float(value))
    if value_type == "int":
        return str(int(value))
    if value_type == "bool":
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def stored_value(value_type: str, value_num: float | None, value_str: str | None) -> Any:
    """A stored sample's value as the API gives it."""
    if value_type == "string":
        return value_str
    if value_num is None:
        return None
    if value_type == "int":
        return int(value_num)
    if value_type == "bool":
        return value_num != 0.0
    return value_num


def canonical_value(value_type: str, value_num: float | None, value_str: str | None) -> str:
    """The canonical text of a value as stored (float8 / text columns)."""
    if value_type == "string":
        return value_text("string", value_str)
    if value_num is None:
        return "null"
    if math.isnan(value_num) or math.isinf(value_num):
        return repr(value_num)
    return value_text(value_type, stored_value(value_type, value_num, value_str))


def sample_line(tag: str, ts_text: str, value_canonical: str, quality: str) -> str:
    return f"{tag}\t{ts_text}\t{value_canonical}\t{quality}\n"


def digest_lines(lines: Iterable[str]) -> str:
    """SHA-256 of already sorted canonical lines."""
    sha = hashlib.sha256()
    for line in lines:
        sha.update(line.encode("utf-8"))
    return sha.hexdigest()
