"""Reads about the system itself: versions, database, TimescaleDB, chain head, scheduler,
last verification, and the integrity alarms every page shows QA and auditors."""

from __future__ import annotations

import platform
from datetime import datetime
from typing import Any

import django
import rest_framework
from django.db import connection
from django.utils import timezone

from audit.chain import chain_head
from audit.models import VerificationRun
from audit.selectors import checkpoint_status
from audit.verification_runs import latest_run
from audit.witness import witness_status
from collectors.selectors import collector_status
from core.dbsql import runtime_function_grants
from historian import rollups


def timescaledb_info() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
        row = cursor.fetchone()
        if row is None:
            return {"installed": False, "version": None, "license": None}
        cursor.execute("SELECT current_setting('timescaledb.license', true)")
        license_row = cursor.fetchone()
    return {
        "installed": True,
        "version": row[0],
        "license": license_row[0] if license_row else None,
    }


def database_info() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_database(), current_user")
        version, name, user = cursor.fetchone()
    settings_dict = connection.settings_dict
    return {
        "server_version": version,
        "name": name,
        "user": user,
        "host": settings_dict.get("HOST") or "socket",
        "port": settings_dict.get("PORT") or "",
    }


def signing_key_info() -> dict[str, Any]:
    from audit.keys import SigningKeyMissing, current_key

    try:
        key = current_key()
    except SigningKeyMissing as exc:
        return {"key_id": None, "public_key": None, "error": str(exc)}
    return {"key_id": key.key_id, "public_key": key.public_pem}


def runtime_privileges() -> dict[str, Any]:
    """Whether the runtime role can run only the TimescaleDB functions it needs."""
    with connection.cursor() as cursor:
        grants = runtime_function_grants(cursor)
    count = len(set(grants["public"]) | set(grants["runtime_beyond_allow_list"]))
    return {**grants, "count": count, "ok": count == 0}


# procrastinate's workers beat every few seconds; a minute without a beat means none runs.
SCHEDULER_STALE_SECONDS = 60


def scheduler_status(now: datetime | None = None) -> dict[str, Any]:
    """Whether the scheduler (`manage.py scheduler`, procrastinate's worker) runs: its workers'
    last heartbeat."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(last_heartbeat) FROM procrastinate_workers")
        workers, last = cursor.fetchone()
    now = now or timezone.now()
    running = last is not None and (now - last).total_seconds() <= SCHEDULER_STALE_SECONDS
    return {"running": running, "workers": workers, "last_heartbeat": last}


# Owed minutes older than this mean the drain is not keeping up (or the scheduler is down):
# reads stay exact, but recompute those minutes from the samples every time.
ROLLUP_BACKLOG_STALE_SECONDS = 120


def rollup_status(now: datetime | None = None) -> dict[str, Any]:
    """The minutes owed to the historian's rollups (historian.rollups) and how long the
    oldest has waited."""
    owed = rollups.backlog()
    now = now or timezone.now()
    age = (now - owed.oldest).total_seconds() if owed.oldest else 0.0
    return {
        "owed_minutes": owed.minutes,
        "oldest": owed.oldest,
        "age_seconds": round(age, 1),
        "behind": age > ROLLUP_BACKLOG_STALE_SECONDS,
    }


def verification_status() -> dict[str, Any]:
    """The last finished verification of the chain: when, and what it found."""
    run = latest_run()
    if run is None:
        return {"at": None, "status": None, "message": "", "events": None, "ok": None}
    return {
        "at": run.finished_at,
        "status": run.status,
        "message": run.message,
        "events": run.events,
        "ok": run.status == VerificationRun.Status.OK,
    }


def integrity_alarms() -> list[dict[str, str]]:
    """What QA and auditors must see on every page: a failed verification, an overdue
    checkpoint. Each with what to do."""
    alarms = []
    verification = verification_status()
    if verification["ok"] is False:
        alarms.append(
            {
                "kind": "verification_failed",
                "text": f"Audit chain verification failed: {verification['message']}",
                "action": "See the verification page.",
            }
        )
    checkpoints = checkpoint_status()
    if checkpoints["overdue"]:
        since = timezone.localtime(checkpoints["unsigned_since"])
        alarms.append(
            {
                "kind": "checkpoint_overdue",
                "text": f"Checkpoint overdue: audit events since {since:%Y-%m-%d %H:%M %Z} are "
                "not yet signed or witnessed.",
                "action": "Start the scheduler (manage.py scheduler) or run "
                "manage.py audit_checkpoint; see System status.",
            }
        )
    return alarms


def system_status() -> dict[str, Any]:
    from importlib.metadata import version

    seq, head = chain_head()
    return {
        "versions": {
            "ledgerline": version("ledgerline"),
            "python": platform.python_version(),
            "django": django.get_version(),
            "djangorestframework": rest_framework.VERSION,
        },
        "database": database_info(),
        "timescaledb": timescaledb_info(),
        "chain_head": {"seq": seq, "hash": head},
        "signing_key": signing_key_info(),
        "checkpoints": checkpoint_status(),
        "witness": witness_status(),
        "runtime_privileges": runtime_privileges(),
        "scheduler": scheduler_status(),
        "rollups": rollup_status(),
        "verification": verification_status(),
        "collectors": collector_status(),
    }
