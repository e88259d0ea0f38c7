"""Collector heartbeats recorded (telemetry: no audit event, see models.py)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from collectors.errors import CollectorTaken
from collectors.models import Collector


@transaction.atomic
def heartbeat_record(*, account: Any, name: str, figures: dict[str, Any]) -> Collector:
    """Record what collector `name` reports, at the server's time. A name belongs to the
    service account that first reported it: another account's heartbeat under it is refused
    (it would hide the real collector's state)."""
    collector = Collector.objects.select_for_update().filter(name=name).first()
    if collector is not None and collector.account_id != account.pk:
        raise CollectorTaken(
            f"collector {name!r} reports with another account; give this one its own name"
        )
    collector = collector or Collector(name=name, account=account)
    for field, value in figures.items():
        setattr(collector, field, value)
    collector.last_seen = timezone.now()
    collector.full_clean()
    collector.save()
    return collector
