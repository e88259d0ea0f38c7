"""Reads of the audit trail: recent events, checkpoint status, a record's history, and
changes as people read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from audit.models import AuditAction, AuditEvent, Signature
from audit.registry import declared_tables


def recent_events(*, actor: Any = None, limit: int = 20) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(seq__isnull=False)
    if actor is not None:
        events = events.filter(actor_id=actor.pk)
    return events.order_by("-seq")[:limit]


OVERDUE_FACTOR = 1.5


def checkpoint_status(now: datetime | None = None) -> dict[str, Any]:
    """How far the signed, witnessed part of the chain reaches, and whether a checkpoint is
    overdue: events wait unsigned for longer than 1.5 checkpoint periods (the scheduler is
    stopped, or failing). An overdue checkpoint is an alarm, not a verification failure."""
    cadence = int(settings.CHECKPOINT_MINUTES) * 60
    last = (
        AuditEvent.objects.filter(action=AuditAction.CHECKPOINT, seq__isnull=False)
        .order_by("-seq")
        .first()
    )
    pending = AuditEvent.objects.filter(seq__isnull=False)
    if last is not None:
        pending = pending.filter(seq__gt=last.seq)
    oldest = pending.order_by("seq").values_list("occurred_at", flat=True).first()
    now = now or timezone.now()
    overdue = oldest is not None and (now - oldest).total_seconds() > cadence * OVERDUE_FACTOR
    return {
        "cadence_seconds": cadence,
        "cadence_minutes": cadence // 60,
        "last_checkpoint_seq": last.seq if last else None,
        "last_checkpoint_at": last.occurred_at if last else None,
        "unsigned_since": oldest,
        "overdue": overdue,
    }


@cache
def models_by_table() -> dict[str, type[Model]]:
    """Every model by its table (the registry is complete once Django has started; the trail
    asks this for every row it shows)."""
    return {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}


def table_for(name: str) -> str:
    """What people type for a record type — its name ("Annotation", "annotations"), its
    `app_label.model`, or its table — as the table name events carry. Unknown: as typed."""
    text = name.strip()
    if "." in text:
        try:
            return str(apps.get_model(text)._meta.db_table)
        except (LookupError, ValueError):
            return text
    folded = text.casefold()
    for table, model in models_by_table().items():
        meta = model._meta
        names = {table, model.__name__, str(meta.verbose_name), str(meta.verbose_name_plural)}
        if folded in {n.casefold() for n in names}:
            return table
    return text


def record_label(table: str) -> str:
    """The record type as people call it ("Annotation"), or the table name."""
    model = models_by_table().get(table)
    return str(model._meta.verbose_name).capitalize() if model else table


def record_types() -> list[str]:
    """The names of the audited record types, for the filter's suggestions."""
    return sorted({record_label(t) for t in declared_tables()})


def signatures_on(table: str, pk: str | None = None) -> Q:
    """The signature events applied to records of `table` (to record `pk`): each signature is
    an event on audit_signature naming its Signature row, which names the record."""
    signed = Signature.objects.filter(record_table=table)
    if pk is not None:
        signed = signed.filter(record_pk=pk)
    ids = signed.annotate(pk_text=Cast("id", CharField())).values("pk_text")
    return Q(action=AuditAction.SIGNATURE, table_name="audit_signature", record_pk__in=ids)


def record_history(table: str, pk: str) -> list[tuple[AuditEvent, Signature | None]]:
    """Every sealed event about one record, oldest first: its own row events and the
    signatures applied to it (each signature is an event on audit_signature)."""
    signatures = {str(s.pk): s for s in Signature.objects.filter(record_table=table, record_pk=pk)}
    events = AuditEvent.objects.filter(seq__isnull=False).filter(
        Q(table_name=table, record_pk=pk) | signatures_on(table, pk)
    )
    return [
        (e, signatures.get(e.record_pk) if e.action == AuditAction.SIGNATURE else None)
        for e in events.order_by("seq")
    ]


ROW_ACTIONS = (AuditAction.INSERT, AuditAction.UPDATE, AuditAction.DELETE)


@dataclass(frozen=True)
class Change:
    field: str  # as people read it: the field's label
    old: Any
    new: Any


class ChangeReader:
    """Field changes of row events as people read them: field labels instead of column names,
    a referenced row by its name ("author: Jane Doe (jdoe)", not "author_id 8"). One reader
    per page caches the rows it looked up."""

    def __init__(self) -> None:
        self._models = models_by_table()
        self._names: dict[tuple[type[Model], str], str] = {}

    def rows(self, event: AuditEvent) -> list[Change]:
        changes = event.changes
        if not isinstance(changes, dict):
            return []
        model = self._models.get(event.table_name)
        out = []
        for name in sorted(changes):
            value = changes[name]
            # Row events carry [old, new] per column (the capture trigger); others, values.
            row_event = event.action in ROW_ACTIONS and isinstance(value, list)
            old, new = value if row_event and len(value) == 2 else (None, value)
            field = self._field(model, name)
            if field is None:
                out.append(Change(name, old, new))
                continue
            label = str(field.verbose_name)
            if field.is_relation and field.related_model is not None:
                related = field.related_model
                out.append(Change(label, self._name(related, old), self._name(related, new)))
            else:
                out.append(Change(label, old, new))
        return out

    @staticmethod
    def _field(model: type[Model] | None, column: str) -> Any:
        if model is None:
            return None
        for field in model._meta.concrete_fields:
            if field.column == column:
                return field
        return None

    def _name(self, model: type[Model], pk: Any) -> Any:
        if pk is None:
            return None
        key = (model, str(pk))
        if key not in self._names:
            found = model._default_manager.filter(pk=pk).first()
            self._names[key] = f"{found} (#{pk})" if found is not None else f"#{pk} (deleted)"
        return self._names[key]
