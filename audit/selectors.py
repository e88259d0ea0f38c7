"""Reads of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditAction, AuditEvent


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
