"""Batch-record reads: lines with their feeders and tags, material lots with their QA
disposition (who signed, when, why)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.canonical import format_ts
from audit.models import Signature
from ebr.definitions import format_interval
from ebr.execution import step_states
from ebr.models import (
    Batch,
    Deviation,
    Line,
    MasterRecord,
    MaterialLot,
    StepEntry,
    StepVerification,
)
from historian.models import Equipment, Tag


def lines() -> QuerySet[Line]:
    return Line.objects.select_related("equipment", "outlet_tag").order_by("code")


def line_tags(line: Line) -> QuerySet[Tag]:
    """The tags under the line's equipment node."""
    path = line.equipment.path
    return Tag.objects.filter(
        Q(equipment__path=path) | Q(equipment__path__startswith=path + "/")
    ).order_by("name")


def line_feeders(line: Line) -> list[str]:
    """The line's feeders (API.md): the children of its node, addressed by name."""
    children = Equipment.objects.filter(parent=line.equipment).order_by("name")
    return list(children.values_list("name", flat=True))


def line_json(line: Line, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": line.code,
        "name": line.name,
        "equipment": line.equipment.path,
        "outlet_tag": line.outlet_tag.name if line.outlet_tag else None,
        "feeders": line_feeders(line),
        "created_at": format_ts(line.created_at),
    }
    if detail:
        body["tags"] = list(line_tags(line).values_list("name", flat=True))
    return body


def lots(*, material: str = "", status: str = "") -> QuerySet[MaterialLot]:
    found = MaterialLot.objects.order_by("material", "lot")
    if material:
        found = found.filter(material=material)
    if status:
        found = found.filter(status=status)
    return found


def lot_dispositions(found: list[MaterialLot]) -> dict[int, Signature]:
    """Each disposed lot's signature (its one QA decision)."""
    signed = Signature.objects.filter(
        record_table="ebr_material_lot", record_pk__in=[str(lot.pk) for lot in found]
    ).order_by("signed_at")
    return {int(s.record_pk): s for s in signed}


def lot_json(lot: MaterialLot, signature: Signature | None = None) -> dict[str, Any]:
    return {
        "material": lot.material,
        "lot": lot.lot,
        "supplier": lot.supplier,
        "supplier_lot": lot.supplier_lot,
        "quantity": lot.quantity,
        "unit": lot.unit,
        "expires_at": format_ts(lot.expires_at) if lot.expires_at else None,
        "status": lot.status,
        "created_at": format_ts(lot.created_at),
        "disposition": None if signature is None else signature_json(signature),
    }


def lines_and_lots_page() -> dict[str, Any]:
    """The lines (with feeders and outlet) and every lot with its QA disposition."""
    found = list(lots())
    signed = lot_dispositions(found)
    now = timezone.now()
    rows = []
    for lot in found:
        row = lot_json(lot, signed.get(lot.pk))
        # The page shows times with |when (site zone, UTC beside): the datetimes themselves.
        row["expires_at_dt"] = lot.expires_at
        row["expired"] = lot.expires_at is not None and lot.expires_at <= now
        if lot.pk in signed:
            row["disposition"]["signed_at_dt"] = signed[lot.pk].signed_at
        row["actions"] = [
            {
                "decision": decision,
                "meaning": meaning,
                "label": label,
                "dialog_id": f"{decision}-{lot.pk}",
                "title": f"{label} lot {lot}",
            }
            for decision, meaning, label in DISPOSITIONS
        ]
        rows.append(row)
    return {"lines": [line_json(line) for line in lines()], "lots": rows}


DISPOSITIONS = (("release", "released", "Release"), ("reject", "rejected", "Reject"))


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


def signature_json(signature: Signature) -> dict[str, Any]:
    return {
        "meaning": signature.meaning,
        "signed_by": signature.signer_username,
        "printed_name": signature.printed_name,
        "signed_at": format_ts(signature.signed_at),
        "reason": signature.reason,
    }


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


def batches(*, line: str = "", status: str = "") -> QuerySet[Batch]:
    found = Batch.objects.select_related("line", "master_record").order_by("line__code", "start")
    if line:
        found = found.filter(line__code=line)
    if status:
        found = found.filter(status=status)
    return found


def batch_json(batch: Batch) -> dict[str, Any]:
    record = batch.master_record
    return {
        "batch_number": batch.batch_number,
        "line": batch.line.code,
        "master_record": record.code,
        "version": record.version,
        "batch_definition": batch.batch_definition,
        "status": batch.status,
        "start": format_ts(batch.start),
        "end": format_ts(batch.end) if batch.end else None,
        "planned_quantity": batch.planned_quantity,
        "actual_quantity": batch.actual_quantity,
        "unit": batch.unit,
        "created_at": format_ts(batch.created_at),
    }


def batch_detail_json(batch: Batch) -> dict[str, Any]:
    """The batch with the master record version it runs under (its snapshot): steps, the
    parameter specs watched over its window, the LIMS tests it needs."""
    record = batch.master_record
    found = list(deviations(batch_number=batch.batch_number))
    signed = deviation_signatures(found)
    return {
        **batch_json(batch),
        "steps": steps_json(batch),
        "deviations": [deviation_json(d, signed[d.pk]) for d in found],
        "master": {
            "title": record.title,
            "product": record.product,
            "late_after": format_interval(record.late_after),
            "steps": record.steps,
            "parameter_specs": record.parameter_specs,
            "lims_tests": record.lims_tests,
        },
    }


# --- pages ----------------------------------------------------------------------------------

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


BATCH_MOVES = {
    "in_progress": ("Start", "ebr.manage_batches"),
    "closed": ("Close the window", "ebr.manage_batches"),
    "cancelled": ("Cancel", "ebr.manage_batches"),
    "under_review": ("Take into review", "ebr.review_batches"),
}


def batches_page() -> dict[str, Any]:
    """Each line's batches on a timeline (positions in % of the span they cover), newest
    first in the table, and the effective master records a new batch may run under."""
    now = timezone.now()
    rows = list(batches().order_by("-start"))
    timelines = []
    for line in lines():
        mine = [b for b in rows if b.line_id == line.pk]
        if not mine:
            continue
        first = min(b.start for b in mine)
        last = max(b.end or now for b in mine)
        span = max((last - first).total_seconds(), 1.0)
        bars = [
            {
                "batch": b,
                "left": round(100 * (b.start - first).total_seconds() / span, 3),
                "width": max(
                    0.4, round(100 * ((b.end or now) - b.start).total_seconds() / span, 3)
                ),
                "open": b.end is None,
            }
            for b in sorted(mine, key=lambda b: b.start)
        ]
        timelines.append({"line": line, "bars": bars, "first": first, "last": last})
    return {"batches": rows, "timelines": timelines, "effective": effective_records()}


def effective_records() -> list[MasterRecord]:
    """The master record versions that may start batches now, by code."""
    found = MasterRecord.objects.filter(status="effective").select_related("line")
    return list(found.order_by("code"))


def batch_page(batch: Batch, user: Any) -> dict[str, Any]:
    """One batch: its window and quantities, the moves the user may make, its master record
    version (the snapshot) and the CPP trends of its window (the trend viewer, embedded)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from ebr.models import BATCH_STATES

    moves = [
        {"status": target, "label": BATCH_MOVES[target][0]}
        for target in BATCH_STATES.allowed(batch.status)
        if target in BATCH_MOVES and user.has_perm(BATCH_MOVES[target][1])
    ]
    record = batch.master_record
    tags = [s["tag"] for s in record.parameter_specs]
    end = batch.end or timezone.now()
    trend = None
    if tags:
        query = {"tags": ",".join(tags), "start": format_ts(batch.start), "end": format_ts(end)}
        if len(tags) > 2:
            query["layout"] = "lanes"  # a lane per CPP reads better than an axis per unit
        trend = reverse("historian:trend") + "?" + urlencode(query, safe=",:")
    return {
        "batch": batch,
        "record": record,
        "deviations": list(deviations(batch_number=batch.batch_number)),
        "moves": moves,
        "trend_url": trend,
        "late_after": format_interval(record.late_after),
    }


def deviations(
    *, line: str = "", batch_number: str = "", status: str = "", kind: str = ""
) -> QuerySet[Deviation]:
    found = Deviation.objects.select_related("line", "batch", "tag").order_by("-start", "-id")
    for key, value in (
        ("line__code", line), ("batch__batch_number", batch_number), ("status", status),
        ("kind", kind),
    ):  # fmt: skip
        if value:
            found = found.filter(**{key: value})
    return found


def deviation_signatures(found: list[Deviation]) -> dict[int, list[Signature]]:
    by_record: dict[int, list[Signature]] = {d.pk: [] for d in found}
    for s in Signature.objects.filter(
        record_table="ebr_deviation", record_pk__in=[str(d.pk) for d in found]
    ).order_by("signed_at"):
        by_record[int(s.record_pk)].append(s)
    return by_record


def deviation_json(
    deviation: Deviation, signatures: list[Signature] | None = None
) -> dict[str, Any]:
    return {
        "number": deviation.number,
        "line": deviation.line.code,
        "batch_number": deviation.batch.batch_number if deviation.batch else None,
        "kind": deviation.kind,
        "severity": deviation.severity,
        "tag": deviation.tag.name if deviation.tag else None,
        "start": format_ts(deviation.start),
        "end": format_ts(deviation.end) if deviation.end else None,
        "description": deviation.description,
        "details": deviation.details,
        "status": deviation.status,
        "root_cause": deviation.root_cause,
        "impact": deviation.impact,
        "capa": deviation.capa,
        "raised_by": deviation.raised_by,
        "created_at": format_ts(deviation.created_at),
        "signatures": [signature_json(s) for s in signatures or []],
    }


def entry_signatures(batch: Batch) -> dict[tuple[str, int], list[Signature]]:
    """The manifestations on a batch's entries and verifications, by (table, id)."""
    entries = list(StepEntry.objects.filter(batch=batch).values_list("id", flat=True))
    checks = list(StepVerification.objects.filter(entry__batch=batch).values_list("id", flat=True))
    found: dict[tuple[str, int], list[Signature]] = {}
    for s in Signature.objects.filter(
        Q(record_table="ebr_step_entry", record_pk__in=[str(i) for i in entries])
        | Q(record_table="ebr_step_verification", record_pk__in=[str(i) for i in checks])
    ).order_by("signed_at"):
        found.setdefault((s.record_table, int(s.record_pk)), []).append(s)
    return found


def entry_json(entry: StepEntry, signed: dict[tuple[str, int], list[Signature]]) -> dict[str, Any]:
    verification = getattr(entry, "verification", None)
    return {
        "id": entry.pk,
        "step": entry.step_code,
        "values": entry.values,
        "corrects": entry.corrects_id,
        "reason": entry.reason,
        "out_of_limit": entry.out_of_limit,
        "late": entry.late,
        "performed": [signature_json(s) for s in signed.get(("ebr_step_entry", entry.pk), [])],
        "verified": [
            signature_json(s) for s in signed.get(("ebr_step_verification", verification.pk), [])
        ]
        if verification is not None
        else [],
        "created_at": format_ts(entry.created_at),
    }


def steps_json(batch: Batch) -> list[dict[str, Any]]:
    """Each step of the batch: open or not, complete or not, and every entry (corrected
    originals included, each marked by what corrects it)."""
    signed = entry_signatures(batch)
    out = []
    for state in step_states(batch):
        out.append(
            {
                "code": state.code,
                "title": state.step.get("title", ""),
                "open": state.is_open,
                "complete": state.complete,
                "opened_at": format_ts(state.opened_at) if state.opened_at else None,
                "completed_at": format_ts(state.completed_at) if state.completed_at else None,
                "needs_verification": state.needs_verification,
                "entries": [entry_json(e, signed) for e in state.entries],
            }
        )
    return out


def execution_page(batch: Batch, user: Any) -> dict[str, Any]:
    """The operator's screen: every step in order with its state, the open ones to record,
    the released lots a `lot` field may take, and each entry's manifestations."""
    signed = entry_signatures(batch)
    states = step_states(batch)
    rows = []
    for state in states:
        rows.append(
            {
                "state": state,
                "step": state.step,
                "entries": [
                    {**entry_json(e, signed), "dialog": f"correct-{e.pk}"} for e in state.entries
                ],
                # The entries still in force, which a correction may replace.
                "current": [e.pk for e in state.current],
                "can_record": state.is_open
                and batch.status == "in_progress"
                and (not state.current or state.step.get("repeatable")),
            }
        )
    lots = MaterialLot.objects.filter(status="released").order_by("material", "lot")
    return {
        "batch": batch,
        "rows": rows,
        "lots": [f"{lot.material}/{lot.lot}" for lot in lots],
        "may_record": user.has_perm("ebr.execute_steps"),
    }


def verification_queue(user: Any) -> list[dict[str, Any]]:
    """Entries of running batches that wait for a second person, oldest first."""
    queue = []
    running = Batch.objects.filter(status="in_progress").select_related("master_record", "line")
    for batch in running:
        signed = entry_signatures(batch)
        for state in step_states(batch):
            if not state.needs_verification:
                continue
            for entry in state.current:
                if getattr(entry, "verification", None) is None:
                    queue.append(
                        {
                            "batch": batch,
                            "step": state.step,
                            "entry": entry_json(entry, signed),
                            "own": entry.performed_by_id == user.pk,
                            "dialog_id": f"verify-{entry.pk}",
                        }
                    )
    return sorted(queue, key=lambda item: item["entry"]["created_at"])


def deviation_page(deviation: Deviation, user: Any) -> dict[str, Any]:
    """A deviation with its workflow (the moves the user may make) and, for one on a tag,
    the trend around it (the trend viewer, embedded)."""
    from datetime import timedelta
    from urllib.parse import urlencode

    from django.urls import reverse

    from ebr.models import DEVIATION_STATES

    moves = (
        DEVIATION_STATES.allowed(deviation.status) if user.has_perm("ebr.review_batches") else []
    )
    trend = None
    if deviation.tag is not None:
        end = deviation.end or timezone.now()
        margin = max(timedelta(minutes=10), (end - deviation.start) / 2)
        query = {
            "tags": deviation.tag.name,
            "start": format_ts(deviation.start - margin),
            "end": format_ts(end + margin),
        }
        trend = reverse("historian:trend") + "?" + urlencode(query, safe=",:")
    return {
        "deviation": deviation,
        "body": deviation_json(deviation, deviation_signatures([deviation])[deviation.pk]),
        "moves": moves,
        "trend_url": trend,
    }
