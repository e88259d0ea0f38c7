"""What the collectors last reported, judged: silent too long, values waiting too long,
batches refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from collectors.models import Collector

# A collector beats every 10 s; a minute without a beat means it is down (or cut off).
SILENT_SECONDS = 60
# Values buffered longer than this: the link to the historian is not keeping up.
WAITING_SECONDS = 300


def collector_status(now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    return [collector_row(collector, now) for collector in Collector.objects.all()]


def collector_row(collector: Collector, now: datetime | None = None) -> dict[str, Any]:
    """What a collector last reported, with `silent` and `behind` judged at `now`."""
    silent = ((now or timezone.now()) - collector.last_seen).total_seconds()
    return {
        "name": collector.name,
        "kind": collector.kind,
        "last_seen": collector.last_seen,
        "silent_seconds": round(silent, 1),
        "buffered": collector.buffered,
        "oldest_age_seconds": collector.oldest_age_seconds,
        "buffer_bytes": collector.buffer_bytes,
        "max_bytes": collector.max_bytes,
        "send_rate": collector.send_rate,
        "quarantined": collector.quarantined,
        "last_error": collector.last_error,
        "silent": silent > SILENT_SECONDS,
        "behind": (collector.oldest_age_seconds or 0.0) > WAITING_SECONDS,
    }


def collector_alarms(rows: list[dict[str, Any]]) -> list[str]:
    """One sentence per collector that needs action, saying what to do."""
    alarms = []
    for row in rows:
        if row["silent"]:
            alarms.append(
                f"collector {row['name']} silent for {row['silent_seconds']:,.0f} s: its values "
                "wait in its buffer (or at their source); check the collector's host and process"
            )
        elif row["behind"]:
            alarms.append(
                f"collector {row['name']} holds {row['buffered']:,} value(s), the oldest "
                f"{row['oldest_age_seconds']:,.0f} s old: {row['last_error'] or 'check the link'}"
            )
        if row["quarantined"]:
            alarms.append(
                f"collector {row['name']}: {row['quarantined']} batch(es) refused by the "
                "historian, kept in its quarantine.jsonl; fix their tags or values and resend"
            )
    return alarms
