"""Reads of the audit trail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from audit.models import AuditEvent


def recent_events(*, actor: Any = None, limit: int = 20) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(seq__isnull=False)
    if actor is not None:
        events = events.filter(actor_id=actor.pk)
    return events.order_by("-seq")[:limit]
