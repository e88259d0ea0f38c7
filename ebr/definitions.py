"""A master record's definition checked and put in its stored shape: steps (ISA-88, with typed
fields and required signatures), the parameter specs monitored over a batch window, and the
LIMS tests a batch needs. Every problem is named by its path (`steps[2].fields[0].low`) with
what to do, so an editor can point at it."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import pairwise
from typing import Any

from ebr.errors import EbrError

FIELD_TYPES = ("number", "int", "text", "bool", "choice", "timestamp", "lot", "equipment")
NUMERIC = ("number", "int")
SIGNATURES = ("performed", "verified")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
INTERVAL = re.compile(r"^([1-9]\d{0,5})([smhd])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LIMIT_ORDER = ("low", "alert_low", "alert_high", "high")


def parse_late_after(text: Any) -> timedelta:
    """`30m`, `2h`, `90s`, `1d` → a positive duration."""
    match = INTERVAL.match(str(text).strip()) if isinstance(text, str) else None
    if match is None:
        raise EbrError(
            "late_after is an interval such as 30m, 2h or 1d.",
            fields={"late_after": "a whole number with s, m, h or d, e.g. 30m"},
        )
    return timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])


def format_interval(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _limits(item: dict[str, Any], where: str, problems: dict[str, str]) -> dict[str, float]:
    """low ≤ alert_low ≤ alert_high ≤ high, each optional."""
    given: dict[str, float] = {}
    for key in LIMIT_ORDER:
        value = item.get(key)
        if value is None:
            continue
        if not _number(value):
            problems[f"{where}.{key}"] = "a number"
            continue
        given[key] = float(value)
    ordered = [(k, given[k]) for k in LIMIT_ORDER if k in given]
    for (k1, v1), (k2, v2) in pairwise(ordered):
        if v1 > v2:
            problems[f"{where}.{k2}"] = f"must not be below {k1} ({v1:g})"
    return given


def _text(item: dict[str, Any], key: str, where: str, problems: dict[str, str], *,
          required: bool = True, limit: int = 4000) -> str:  # fmt: skip
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems[f"{where}.{key}"] = "text"
        return ""
    if required and not value.strip():
        problems[f"{where}.{key}"] = "required"
    if len(value) > limit:
        problems[f"{where}.{key}"] = f"at most {limit} characters"
    return value.strip()


def _field(raw: Any, where: str, problems: dict[str, str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems[where] = "an object with name and type"
        return {}
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        problems[f"{where}.name"] = "lower-case letters, digits and _, starting with a letter"
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        problems[f"{where}.type"] = f"one of {', '.join(FIELD_TYPES)}"
    field: dict[str, Any] = {
        "name": name,
        "type": kind,
        "label": _text(raw, "label", where, problems, required=False, limit=200),
        "required": bool(raw.get("required", True)),
    }
    limits = _limits(raw, where, problems)
    if kind in NUMERIC:
        field["unit"] = _text(raw, "unit", where, problems, required=False, limit=20)
        field.update({key: limits.get(key) for key in LIMIT_ORDER})
    elif limits:
        problems[f"{where}.low"] = f"limits are for number and int fields, not {kind}"
    if kind == "choice":
        choices = raw.get("choices")
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c.strip() for c in choices)
            or len(set(choices)) != len(choices)
        ):
            problems[f"{where}.choices"] = "a list of distinct, non-empty texts"
        else:
            field["choices"] = [c.strip() for c in choices]
    elif raw.get("choices"):
        problems[f"{where}.choices"] = "choices are for choice fields"
    return field


def _steps(raw: Any, problems: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        problems["steps"] = "a list of one or more steps"
        return []
    steps: list[dict[str, Any]] = []
    codes: list[str] = []
    for i, item in enumerate(raw):
        where = f"steps[{i}]"
        if not isinstance(item, dict):
            problems[where] = "an object with code, title and fields"
            continue
        code = item.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            problems[f"{where}.code"] = "1–40 letters, digits, _, . or -"
        elif code in codes:
            problems[f"{where}.code"] = f"{code} is used by an earlier step"
        codes.append(str(code))
        fields_raw = item.get("fields", [])
        if not isinstance(fields_raw, list):
            problems[f"{where}.fields"] = "a list"
            fields_raw = []
        fields = [_field(f, f"{where}.fields[{k}]", problems) for k, f in enumerate(fields_raw)]
        names = [f.get("name") for f in fields]
        for k, name in enumerate(names):
            if name in names[:k]:
                problems[f"{where}.fields[{k}].name"] = f"{name} is used by an earlier field"
        signatures = item.get("required_signatures", ["performed"])
        if (
            not isinstance(signatures, list)
            or "performed" not in signatures
            or not set(signatures) <= set(SIGNATURES)
            or len(set(signatures)) != len(signatures)
        ):
            problems[f"{where}.required_signatures"] = (
                "performed, and verified where a second person checks"
            )
            signatures = ["performed"]
        after = item.get("after", [])
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            problems[f"{where}.after"] = "a list of step codes"
            after = []
        steps.append(
            {
                "code": code,
                "title": _text(item, "title", where, problems, limit=200),
                "instruction": _text(item, "instruction", where, problems, required=False),
                "operation": _text(item, "operation", where, problems, required=False, limit=100),
                "after": after,
                "repeatable": bool(item.get("repeatable", False)),
                "fields": fields,
                "required_signatures": [s for s in SIGNATURES if s in signatures],
            }
        )
    _check_order(steps, problems)
    return steps


def _check_order(steps: list[dict[str, Any]], problems: dict[str, str]) -> None:
    """`after` names earlier steps only (so the order given is an order the steps can run in,
    and no branch waits for itself)."""
    seen: set[str] = set()
    for i, step in enumerate(steps):
        for code in step["after"]:
            if code == step["code"]:
                problems[f"steps[{i}].after"] = "a step cannot wait for itself"
            elif code not in seen:
                problems[f"steps[{i}].after"] = f"{code} is not an earlier step"
        seen.add(str(step["code"]))


def _specs(raw: Any, known_tags: set[str], problems: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        problems["parameter_specs"] = "a list"
        return []
    specs = []
    for i, item in enumerate(raw):
        where = f"parameter_specs[{i}]"
        if not isinstance(item, dict):
            problems[where] = "an object with tag and limits"
            continue
        tag = item.get("tag")
        if tag not in known_tags:
            problems[f"{where}.tag"] = "a numeric tag of the master record's line"
        limits = _limits(item, where, problems)
        if "low" not in limits and "high" not in limits:
            problems[f"{where}.low"] = "give low, high or both"
        specs.append({"tag": tag, **{key: limits.get(key) for key in LIMIT_ORDER}})
    tags = [s["tag"] for s in specs]
    for i, tag in enumerate(tags):
        if tag in tags[:i]:
            problems[f"parameter_specs[{i}].tag"] = f"{tag} has a spec already"
    return specs


def _tests(raw: Any, problems: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        problems["lims_tests"] = "a list"
        return []
    tests = []
    for i, item in enumerate(raw):
        where = f"lims_tests[{i}]"
        if not isinstance(item, dict):
            problems[where] = "an object with test, unit and limits"
            continue
        limits = _limits({k: item.get(k) for k in ("low", "high")}, where, problems)
        tests.append(
            {
                "test": _text(item, "test", where, problems, limit=100),
                "unit": _text(item, "unit", where, problems, required=False, limit=20),
                "low": limits.get("low"),
                "high": limits.get("high"),
            }
        )
    names = [t["test"] for t in tests]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems[f"lims_tests[{i}].test"] = f"{name} is listed already"
    return tests


def checked_definition(
    *, steps: Any, parameter_specs: Any, lims_tests: Any, known_tags: set[str]
) -> dict[str, Any]:
    """The definition in its stored shape, or EbrError naming every problem by its path."""
    problems: dict[str, str] = {}
    definition = {
        "steps": _steps(steps, problems),
        "parameter_specs": _specs(parameter_specs, known_tags, problems),
        "lims_tests": _tests(lims_tests, problems),
    }
    if problems:
        raise EbrError("The master record is not valid: see fields.", fields=problems)
    return definition
