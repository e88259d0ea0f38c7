"""Master records: versions with their signatures, the list and detail pages, the diff of two
versions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from audit.canonical import format_ts
from audit.models import Signature
from ebr.definitions import format_interval
from ebr.models import (
    MasterRecord,
)
from ebr.selectors.lines_and_lots import line_tags, lines
from ebr.selectors.signed import signature_json


def master_records(*, code: str = "", status: str = "") -> QuerySet[MasterRecord]:
    found = MasterRecord.objects.select_related("line", "author").order_by("code", "-version")
    if code:
        found = found.filter(code=code)
    if status:
        found = found.filter(status=status)
    return found


def master_signatures(records: list[MasterRecord]) -> dict[int, list[Signature]]:
    """Each version's signatures (approval, release for use), oldest first."""
    by_record: dict[int, list[Signature]] = {r.pk: [] for r in records}
    for s in Signature.objects.filter(
        record_table="ebr_master_record", record_pk__in=[str(r.pk) for r in records]
    ).order_by("signed_at"):
        by_record[int(s.record_pk)].append(s)
    return by_record


def master_json(record: MasterRecord, signatures: list[Signature] | None = None) -> dict[str, Any]:
    return {
        "code": record.code,
        "version": record.version,
        "status": record.status,
        "product": record.product,
        "title": record.title,
        "line": record.line.code,
        "batch_definition": record.batch_definition,
        "late_after": format_interval(record.late_after),
        "steps": record.steps,
        "parameter_specs": record.parameter_specs,
        "lims_tests": record.lims_tests,
        "author": record.author.username,
        "created_at": format_ts(record.created_at),
        "updated_at": format_ts(record.updated_at),
        "signatures": [signature_json(s) for s in signatures or []],
    }


MOVES = {
    # status → (label, who may, signature meaning or None)
    "in_review": ("Submit for review", "ebr.manage_master_records", None),
    "draft": ("Return for changes", "ebr.approve_master_records", None),
    "approved": ("Approve", "ebr.approve_master_records", "approved"),
    "effective": ("Make effective", "ebr.approve_master_records", "released"),
    "retired": ("Retire", "ebr.approve_master_records", None),
}


def master_list_page() -> dict[str, Any]:
    """Every code with its versions, newest first, and the lines a new record may run on."""
    codes: dict[str, list[MasterRecord]] = {}
    for record in master_records():
        codes.setdefault(record.code, []).append(record)
    return {
        "codes": [
            {"code": code, "latest": versions[0], "versions": versions}
            for code, versions in codes.items()
        ],
        "lines": list(lines().values_list("code", flat=True)),
    }


def master_page(record: MasterRecord, user: Any) -> dict[str, Any]:
    """One version: its definition (as the operator will see it), signatures, the moves the
    user may make from here, the code's other versions (to compare), and, for a draft the
    user may edit, what the editor needs."""
    from ebr.models import MASTER_STATES

    signatures = master_signatures([record])[record.pk]
    moves = []
    for target in MASTER_STATES.allowed(record.status):
        label, permission, meaning = MOVES[target]
        if user.has_perm(permission) or (target == "draft" and user.has_perm(
            "ebr.manage_master_records"
        )):  # fmt: skip
            moves.append({"status": target, "label": label, "meaning": meaning})
    versions = list(MasterRecord.objects.filter(code=record.code).order_by("-version"))
    numeric = line_tags(record.line).filter(value_type__in=["float", "int"])
    return {
        "record": record,
        "body": master_json(record, signatures),
        "signatures": signatures,
        "moves": moves,
        "versions": versions,
        "editable": record.status == "draft" and user.has_perm("ebr.manage_master_records"),
        # A new version may be drafted when none is being written or reviewed.
        "can_draft_next": user.has_perm("ebr.manage_master_records")
        and not any(v.status in ("draft", "in_review") for v in versions),
        "tag_names": list(numeric.values_list("name", flat=True)),
    }


def diff_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Two versions side by side, line by line: the header, then each step (matched by code)
    and its fields, the specs and the LIMS tests; each row marked same, changed, added or
    removed."""
    rows: list[dict[str, Any]] = []

    def add(section: str, key: str, left: Any, right: Any) -> None:
        kind = "same" if left == right else "added" if left is None else (
            "removed" if right is None else "changed"
        )  # fmt: skip
        rows.append({"section": section, "key": key, "a": _said(left), "b": _said(right),
                     "kind": kind})  # fmt: skip

    for key in ("product", "title", "line", "batch_definition", "late_after"):
        add("header", key, a.get(key), b.get(key))
    steps_a = {s["code"]: s for s in a["steps"]}
    steps_b = {s["code"]: s for s in b["steps"]}
    for code in list(dict.fromkeys([*steps_a, *steps_b])):
        sa, sb = steps_a.get(code), steps_b.get(code)
        if sa is None or sb is None:
            add(f"step {code}", "step", sa and sa["title"], sb and sb["title"])
            continue
        for key in ("title", "operation", "instruction", "after", "repeatable",
                    "required_signatures"):  # fmt: skip
            add(f"step {code}", key, sa.get(key), sb.get(key))
        fields_a = {f["name"]: f for f in sa["fields"]}
        fields_b = {f["name"]: f for f in sb["fields"]}
        for name in list(dict.fromkeys([*fields_a, *fields_b])):
            add(f"step {code}", f"field {name}", fields_a.get(name), fields_b.get(name))
    for section, key in (("parameter specs", "tag"), ("LIMS tests", "test")):
        source = "parameter_specs" if section == "parameter specs" else "lims_tests"
        items_a = {i[key]: i for i in a[source]}
        items_b = {i[key]: i for i in b[source]}
        for name in list(dict.fromkeys([*items_a, *items_b])):
            add(section, name, items_a.get(name), items_b.get(name))
    return rows


def _said(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_said(v)}" for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)
