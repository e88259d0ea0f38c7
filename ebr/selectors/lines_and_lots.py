"""Lines with their feeders and tags; material lots with their QA disposition (who signed, when,
why)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.canonical import format_ts
from audit.models import Signature
from ebr.models import (
    Line,
    MaterialLot,
)
from ebr.selectors.signed import signature_json
from historian.models import Equipment, Tag


def lines() -> QuerySet[Line]:
    return Line.objects.select_related("equipment", "outlet_tag").order_by("code")


def line_tags(line: Line) -> QuerySet[Tag]:
    """The tags under the line's equipment node."""
    path = line.equipment.path
    return Tag.objects.filter(
        Q(equipment__path=path) | Q(equipment__path__startswith=path + "/")
    ).order_by("name")


def numeric_line_tags(line: Line) -> list[str]:
    return list(
        line_tags(line).filter(value_type__in=("float", "int")).values_list("name", flat=True)
    )


def fed_lots() -> list[str]:
    """`material/lot` of every lot charged to a feeder, for choosing one to trace."""
    found = MaterialLot.objects.filter(feeds__isnull=False).distinct().order_by("material", "lot")
    return [f"{lot.material}/{lot.lot}" for lot in found]


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
