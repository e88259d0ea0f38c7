"""Historian use cases: equipment, tags, annotations, corrections, saved trend displays (all
audited)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Now

from audit.context import audit_context
from audit.signing import SignatureRequest, signed_change
from historian.errors import HistorianError, TagLocked
from historian.ingest import coerce_value
from historian.models import (
    LEVELS,
    MAX_TREND_TAGS,
    RELATIVE_WINDOWS,
    Annotation,
    Correction,
    Equipment,
    Tag,
    TrendDisplay,
    TrendLayout,
    ValueType,
)
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


def _clean(instance: Any, *, unique: bool = True) -> None:
    try:
        instance.full_clean(validate_unique=unique)
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
                # Uniqueness is the database's to say: a node a concurrent request made since
                # the read above is taken below, not refused as a duplicate here.
                _clean(node, unique=False)
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


def _display_fields(
    name: Any, tags: Any, layout: Any, last: Any, start: Any, end: Any
) -> dict[str, Any]:
    """A display's fields checked, or HistorianError naming each bad one and what to do."""
    problems: dict[str, str] = {}
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 100:
        problems["name"] = "give the display a name of 1 to 100 characters"
    texts = isinstance(tags, list) and all(isinstance(n, str) for n in tags)
    names = list(dict.fromkeys(tags)) if texts else []
    if not names:
        problems["tags"] = "a list of one or more tag names"
    elif len(names) > MAX_TREND_TAGS:
        problems["tags"] = f"at most {MAX_TREND_TAGS} tags in one display"
    else:
        known = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
        if unknown := [n for n in names if n not in known]:
            problems["tags"] = "unknown tag(s): " + ", ".join(unknown)
    if layout not in TrendLayout.values:
        problems["layout"] = f"one of {', '.join(TrendLayout.values)}"
    last = last or ""
    if last and last not in RELATIVE_WINDOWS:
        problems["last"] = f"one of {', '.join(RELATIVE_WINDOWS)}, or empty"
    window: list[datetime | None] = [None, None]
    for i, (key, text) in enumerate((("start", start), ("end", end))):
        if text in (None, ""):
            continue
        parsed = parse_ts(text)
        if isinstance(parsed, str):
            problems[key] = parsed
        else:
            window[i] = parsed[0]
    begin, finish = window
    if (start or end) and last:
        problems["last"] = "a display keeps a relative window (last) or a fixed one, not both"
    elif (begin is None) != (finish is None) and not {"start", "end"} & problems.keys():
        problems["end" if finish is None else "start"] = "give both start and end, or neither"
    elif begin is not None and finish is not None and finish <= begin:
        problems["end"] = "must be after start"
    if problems:
        raise HistorianError("The display is not valid: see fields.", fields=problems)
    return {
        "name": name, "tags": names, "layout": layout, "last": last, "start": begin, "end": finish
    }  # fmt: skip


DISPLAY_REPLACED = "saved again under the same name by its owner"
DISPLAY_DELETED = "deleted by its owner"


def display_save(
    *,
    actor: Any,
    name: Any,
    tags: Any,
    layout: Any = TrendLayout.AXES,
    last: Any = "",
    start: Any = None,
    end: Any = None,
) -> tuple[TrendDisplay, bool]:
    """Save a trend view under a name for the actor: a new display (True), or the actor's
    display of that name replaced (False). Each person's displays are their own."""
    fields = _display_fields(name, tags, layout, last, start, end)
    # A display is a person's own view, not a record of the process: saving it again under its
    # name is the reason for the change.
    with transaction.atomic(), audit_context(actor=actor, reason=DISPLAY_REPLACED):
        display = (
            TrendDisplay.objects.select_for_update()
            .filter(owner=actor, name=fields["name"])
            .first()
        )
        if display is None:
            try:
                with transaction.atomic():
                    return TrendDisplay.objects.create(owner=actor, **fields), True
            except IntegrityError:  # saved by a parallel request a moment ago: replace it
                display = TrendDisplay.objects.select_for_update().get(
                    owner=actor, name=fields["name"]
                )
        for key, value in fields.items():
            setattr(display, key, value)
        display.updated_at = Now()
        display.save()
        display.refresh_from_db(fields=["updated_at"])
        return display, False


def display_delete(*, actor: Any, display: TrendDisplay) -> None:
    """Delete one of the actor's own displays (the audit trail keeps what it was)."""
    if display.owner_id != actor.pk:
        raise HistorianError("Only its owner deletes a saved display.")
    with transaction.atomic(), audit_context(actor=actor, reason=DISPLAY_DELETED):
        display.delete()
