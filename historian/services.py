"""Historian use cases: equipment, tags, annotations, corrections (all audited)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from audit.context import audit_context
from audit.signing import SignatureRequest, signed_change
from historian.errors import HistorianError, TagLocked
from historian.ingest import coerce_value
from historian.models import LEVELS, Annotation, Correction, Equipment, Tag, ValueType
from historian.timestamps import parse_ts

LIMITS = ("spec_low", "spec_high", "alert_low", "alert_high")
TAG_FIELDS = (
    "name",
    "description",
    "unit",
    "equipment",
    "value_type",
    "step",
    "classification",
    "range_low",
    "range_high",
    *LIMITS,
)
CHANGEABLE = ("description", "equipment", "classification", "range_low", "range_high", *LIMITS)
LOCKED_WITH_SAMPLES = ("unit", "value_type", "step")


def _clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise HistorianError(" ".join(exc.messages), fields=exc.message_dict) from exc


def equipment_ensure(*, actor: Any, path: str) -> Equipment:
    """The equipment at `path` (1–4 segments, site/area/line/unit); missing levels created."""
    segments = [part.strip() for part in path.strip("/").split("/")]
    if not 1 <= len(segments) <= 4 or any(not part for part in segments):
        raise HistorianError(
            "equipment is a path of 1 to 4 segments, e.g. L1/FEEDER1",
            fields={"equipment": "invalid path"},
        )
    parent: Equipment | None = None
    with audit_context(actor=actor, reason=""):
        for depth, name in enumerate(segments):
            full = "/".join(segments[: depth + 1])
            node = Equipment.objects.filter(path=full).first()
            if node is None:
                node = Equipment(path=full, name=name, parent=parent, level=LEVELS[depth])
                _clean(node)
                try:
                    with transaction.atomic():
                        node.save()
                except IntegrityError:  # made by a concurrent request meanwhile: use it
                    node = Equipment.objects.get(path=full)
            parent = node
    assert parent is not None
    return parent


def tag_has_samples(tag: Tag) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM historian_sample WHERE tag_id = %s LIMIT 1", [tag.pk])
        return cursor.fetchone() is not None


def tag_create(*, actor: Any, name: str, equipment: str, reason: str = "", **fields: Any) -> Tag:
    """Create a tag; `step` defaults to false for float tags and true otherwise."""
    unknown = set(fields) - set(TAG_FIELDS)
    if unknown:
        raise HistorianError(f"unknown field(s): {', '.join(sorted(unknown))}")
    value_type = fields.get("value_type") or ValueType.FLOAT
    if fields.get("step") is None:
        fields["step"] = value_type != ValueType.FLOAT
    with audit_context(actor=actor, reason=reason):
        node = equipment_ensure(actor=actor, path=equipment)
        tag = Tag(name=name, equipment=node, **{**fields, "value_type": value_type})
        _clean(tag)
        tag.save()
    return tag


def tag_update(*, actor: Any, tag: Tag, reason: str, **changes: Any) -> Tag:
    """Change a tag's description, equipment, classification or range, with a reason.
    unit, value_type and step cannot change once the tag has samples (409)."""
    if not reason or not reason.strip():
        raise HistorianError("a change needs a reason", fields={"reason": "required"})
    locked = [f for f in LOCKED_WITH_SAMPLES if f in changes and changes[f] != getattr(tag, f)]
    if locked and tag_has_samples(tag):
        raise TagLocked(
            f"{', '.join(locked)} cannot change: the tag has samples",
            fields={f: "locked" for f in locked},
        )
    unknown = set(changes) - set(CHANGEABLE) - set(LOCKED_WITH_SAMPLES)
    if unknown:
        raise HistorianError(
            f"cannot change {', '.join(sorted(unknown))}",
            fields={f: "not changeable" for f in unknown},
        )
    with audit_context(actor=actor, reason=reason):
        if "equipment" in changes:
            changes["equipment"] = equipment_ensure(actor=actor, path=changes["equipment"])
        for field, value in changes.items():
            setattr(tag, field, value)
        _clean(tag)
        tag.save()
    return tag


def _window(start: Any, end: Any) -> tuple[datetime, datetime]:
    parsed = []
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, datetime):
            parsed.append(value)
            continue
        result = parse_ts(value)
        if isinstance(result, str):
            raise HistorianError(result, fields={name: result})
        parsed.append(result[0])
    if parsed[0] >= parsed[1]:
        raise HistorianError("start must be before end", fields={"end": "not after start"})
    return parsed[0], parsed[1]


def annotation_create(*, actor: Any, tag: Tag, start: Any, end: Any, text: str) -> Annotation:
    begin, finish = _window(start, end)
    if not text or not text.strip():
        raise HistorianError("an annotation needs text", fields={"text": "required"})
    with audit_context(actor=actor, reason=""):
        return Annotation.objects.create(
            tag=tag, start=begin, end=finish, text=text.strip(), author=actor
        )


def correction_create(
    *,
    actor: Any,
    tag: Tag,
    start: Any,
    end: Any,
    values: Any,
    reason: str,
    signature: SignatureRequest,
    session: Any = None,
) -> Correction:
    """A signed correction (meaning `approved`); the original samples stay untouched."""
    begin, finish = _window(start, end)
    if signature.meaning != "approved":
        raise HistorianError(
            "a correction is signed as approved", fields={"signature": "meaning must be approved"}
        )
    if not reason or not reason.strip():
        raise HistorianError("a correction needs a reason", fields={"reason": "required"})
    if not isinstance(values, list) or not values:
        raise HistorianError("values is a non-empty list", fields={"values": "required"})
    problems, clean = [], []
    for index, item in enumerate(values):
        ts = parse_ts(item.get("ts") if isinstance(item, dict) else None)
        quality = item.get("quality", "good") if isinstance(item, dict) else "good"
        if isinstance(ts, str):
            problems.append({"index": index, "field": "ts", "error": ts})
            continue
        if not begin <= ts[0] < finish:
            problems.append({"index": index, "field": "ts", "error": "outside [start, end)"})
            continue
        coerced = coerce_value(tag.value_type, item.get("value"), quality)
        if isinstance(coerced, str) or quality not in {"good", "uncertain", "bad"}:
            problems.append(
                {
                    "index": index,
                    "field": "value",
                    "error": coerced if isinstance(coerced, str) else "quality",
                }
            )
            continue
        value = item.get("value")
        if isinstance(value, float) and not math.isfinite(value):
            value = repr(value)
        clean.append({"ts": ts[1], "value": value, "quality": quality})
    if problems:
        raise HistorianError("some corrected values are not valid", items=problems)
    with signed_change(actor=actor, reason=reason, signature=signature, session=session) as signed:
        correction = Correction.objects.create(
            tag=tag,
            start=begin,
            end=finish,
            values=sorted(clean, key=lambda v: v["ts"]),
            reason=reason.strip(),
            author=actor,
        )
        signed.sign(correction)
    return correction
