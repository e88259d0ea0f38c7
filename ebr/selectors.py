"""Batch-record reads: lines with their feeders and tags, material lots with their QA
disposition (who signed, when, why)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.canonical import format_ts
from audit.models import Signature
from ebr.definitions import format_interval
from ebr.models import Batch, Line, MasterRecord, MaterialLot
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
    return {
        **batch_json(batch),
        "master": {
            "title": record.title,
            "product": record.product,
            "late_after": format_interval(record.late_after),
            "steps": record.steps,
            "parameter_specs": record.parameter_specs,
            "lims_tests": record.lims_tests,
        },
    }
