"""Verification runs (the service): requested by a person or the scheduler, executed by the
background worker (audit.tasks), recorded in the chain; a failure raises the alert."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from audit.actors import actor_identity
from audit.database_verification import verify_database
from audit.models import VERIFICATION_STATES, VerificationRun
from audit.services import record_security_event

logger = logging.getLogger("ledgerline.audit")
RUN_VERIFICATION_TASK = "audit.run_verification"


@transaction.atomic
def verification_request(*, actor: Any) -> VerificationRun:
    """Queue a full verification; the worker (`manage.py scheduler`) runs it."""
    run = VerificationRun.objects.create(requested_by=actor_identity(actor)[1])
    record_security_event(actor=actor, event="verification_requested", subject=str(run.pk))
    # Deferred by name: the task module (audit.tasks) imports this one, never the reverse.
    task = app.configure_task(name=RUN_VERIFICATION_TASK, queue="audit")
    transaction.on_commit(lambda: task.defer(run_id=run.pk))
    return run


def verification_execute(run_id: int) -> VerificationRun:
    """Run the verification; a failure is recorded in the chain and raised as an alert."""
    run = VerificationRun.objects.get(pk=run_id)
    VERIFICATION_STATES.move(run, VerificationRun.Status.RUNNING)
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    try:
        result = verify_database()
    except Exception as exc:
        logger.exception("verification %s could not run", run_id)
        VERIFICATION_STATES.move(run, VerificationRun.Status.ERROR)
        run.message = f"verification could not run: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        record_security_event(
            actor="system:scheduler",
            event="verification_error",
            subject=str(run.pk),
            details={"error": str(exc)[:500]},
        )
        raise
    first = result.first
    VERIFICATION_STATES.move(
        run, VerificationRun.Status.OK if result.ok else VerificationRun.Status.FAILED
    )
    run.events = result.events
    run.head = result.head
    run.first_bad = first.seq if first else None
    run.message = result.line()
    run.anchoring = result.anchoring
    run.progress = 1.0
    run.finished_at = timezone.now()
    run.save()
    record_security_event(
        actor="system:scheduler",
        event="verification_ok" if result.ok else "verification_failed",
        subject=str(run.pk),
        details={
            "events": result.events,
            "head": result.head,
            "line": result.line(),
            "anchoring": result.anchoring,
        },
    )
    if not result.ok:
        logger.error("AUDIT CHAIN VERIFICATION FAILED (run %s): %s", run.pk, result.line())
    return run


def latest_run() -> VerificationRun | None:
    return (
        VerificationRun.objects.exclude(
            status__in=[VerificationRun.Status.QUEUED, VerificationRun.Status.RUNNING]
        )
        .order_by("-finished_at", "-id")
        .first()
    )


def pending_run() -> VerificationRun | None:
    return (
        VerificationRun.objects.filter(
            status__in=[VerificationRun.Status.QUEUED, VerificationRun.Status.RUNNING]
        )
        .order_by("-id")
        .first()
    )
