"""Lines and material lots (all audited; lot dispositions signed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction

from audit.context import audit_context
from audit.signing import SignatureFailed, SignatureRequest, signed_change
from ebr.errors import EbrError, LotNotUsable
from ebr.models import LOT_STATES, Line, LotStatus, MaterialLot
from ebr.services.fields import moment
from ebr.units import MASS_FLOW_KG_PER_H
from historian.models import Equipment, Tag
from historian.services import equipment_ensure

DISPOSE = "ebr.dispose_lots"
DECISIONS = {
    "release": (LotStatus.RELEASED, "released"),
    "reject": (LotStatus.REJECTED, "rejected"),
}


def _required(fields: dict[str, str], **values: Any) -> None:
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            fields[name] = "required"


def line_create(
    *, actor: Any, code: str, name: str, equipment: str = "", outlet_tag: str = ""
) -> Line:
    """A line on the equipment node it names (created with its missing levels when new);
    the outlet tag, when given, is a numeric mass-flow tag under that node."""
    problems: dict[str, str] = {}
    _required(problems, code=code, name=name)
    path = (equipment or code or "").strip().strip("/")
    if problems:
        raise EbrError("The line is not valid: see fields.", fields=problems)
    if Line.objects.filter(code=code.strip()).exists():
        raise EbrError(f"A line {code.strip()} exists already.", fields={"code": "taken"})
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        node = Equipment.objects.filter(path=path).first() or equipment_ensure(
            actor=actor, path=path
        )
        if Line.objects.filter(equipment=node).exists():
            raise EbrError(
                f"The equipment {path} is a line already.", fields={"equipment": "taken"}
            )
        outlet = _outlet_tag(node, outlet_tag.strip()) if outlet_tag else None
        line = Line(code=code.strip(), name=name.strip(), equipment=node, outlet_tag=outlet)
        try:
            with transaction.atomic():
                line.save()
        except IntegrityError as exc:  # a code the database refuses, or a parallel create
            raise EbrError(
                "The line code is 1–40 letters, digits, - or _, and unique.",
                fields={"code": "invalid or taken"},
            ) from exc
    return line


def _outlet_tag(node: Equipment, name: str) -> Tag:
    tag = Tag.objects.filter(name=name).select_related("equipment").first()
    if tag is None:
        raise EbrError(f"No tag {name}.", fields={"outlet_tag": "unknown tag"})
    under = tag.equipment.path == node.path or tag.equipment.path.startswith(node.path + "/")
    if not under:
        raise EbrError(
            f"{name} is not under the line's equipment {node.path}.",
            fields={"outlet_tag": "not a tag of this line"},
        )
    if tag.value_type not in ("float", "int") or tag.unit not in MASS_FLOW_KG_PER_H:
        raise EbrError(
            f"{name} is not a mass flow (its unit is {tag.unit or 'none'}).",
            fields={"outlet_tag": f"a numeric tag in one of {', '.join(MASS_FLOW_KG_PER_H)}"},
        )
    return tag


def lot_create(*, actor: Any, material: str, lot: str, **fields: Any) -> MaterialLot:
    """A material lot received into quarantine (unique per material)."""
    problems: dict[str, str] = {}
    _required(problems, material=material, lot=lot)
    expires_at = moment(fields.pop("expires_at", None), "expires_at", problems)
    quantity = fields.get("quantity")
    if quantity is not None and (
        isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity <= 0
    ):
        problems["quantity"] = "a positive number"
    if problems:
        raise EbrError("The lot is not valid: see fields.", fields=problems)
    with transaction.atomic(), audit_context(actor=actor, reason=""):
        if MaterialLot.objects.filter(material=material.strip(), lot=lot.strip()).exists():
            raise EbrError(
                f"Lot {lot.strip()} of {material.strip()} exists already.",
                fields={"lot": "taken for this material"},
            )
        try:
            with transaction.atomic():
                return MaterialLot.objects.create(
                    material=material.strip(),
                    lot=lot.strip(),
                    expires_at=expires_at,
                    **{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()},
                )
        except IntegrityError as exc:  # created by a parallel request a moment ago
            raise EbrError(
                f"Lot {lot.strip()} of {material.strip()} exists already.",
                fields={"lot": "taken for this material"},
            ) from exc


def lot_dispose(
    *,
    actor: Any,
    lot: MaterialLot,
    decision: str,
    signature: SignatureRequest,
    session: SessionBase | None = None,
) -> MaterialLot:
    """QA releases or rejects a lot in quarantine, signed (`released` / `rejected`)."""
    if decision not in DECISIONS:
        raise EbrError("decision is release or reject.", fields={"decision": "release or reject"})
    target, meaning = DECISIONS[decision]
    if signature.meaning != meaning:
        raise EbrError(
            f"A lot's {decision} is signed as {meaning}.",
            fields={"signature": f"meaning must be {meaning}"},
        )
    LOT_STATES.check(lot, target)  # 409 before anyone is re-authenticated
    with signed_change(
        actor=actor, reason=signature.reason, signature=signature, session=session
    ) as signed:
        if not signed.signer.has_perm(DISPOSE):
            raise SignatureFailed(
                f"{signed.signer.username} may not release or reject lots: QA reviewers do."
            )
        locked = MaterialLot.objects.select_for_update().get(pk=lot.pk)
        LOT_STATES.move(locked, target)
        locked.save(update_fields=["status"])
        signed.sign(locked)
    return locked


def lot_check_usable(lot: MaterialLot, at: datetime) -> None:
    """409 unless the lot is released and not expired at `at` (a batch's `lot` field, a feed)."""
    if lot.status != LotStatus.RELEASED:
        raise LotNotUsable(f"Lot {lot} is {lot.status}: only a released lot may be used.")
    if lot.expires_at is not None and lot.expires_at <= at:
        raise LotNotUsable(f"Lot {lot} expired at {lot.expires_at.isoformat()}.")
