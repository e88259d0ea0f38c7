"""The audit trail's background tasks (procrastinate, PostgreSQL-backed): scheduled
checkpoints and verifications, and the runs people request (audit.verification_runs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from procrastinate.contrib.django import app

from audit import verification_runs
from audit.models import VerificationRun
from audit.services import checkpoint_if_new_events


@contextmanager
def own_connections() -> Iterator[None]:
    """A job runs in a worker thread: it closes the connections it opened there."""
    try:
        yield
    finally:
        connections.close_all()


@app.task(queue="audit", name=verification_runs.RUN_VERIFICATION_TASK)
def run_verification(run_id: int) -> None:
    with own_connections():
        verification_runs.verification_execute(run_id)


@app.periodic(cron=settings.CHECKPOINT_CRON, periodic_id="checkpoint")
@app.task(queue="audit", name="audit.scheduled_checkpoint")
def scheduled_checkpoint(timestamp: int) -> None:
    """Sign and witness the chain head on a schedule (every 5 minutes by default) when
    anything was written since the last checkpoint."""
    with own_connections():
        checkpoint_if_new_events(actor="system:scheduler")


@app.periodic(cron=settings.VERIFY_CRON, periodic_id="daily-verification")
@app.task(queue="audit", name="audit.daily_verification")
def daily_verification(timestamp: int) -> None:
    """The daily full verification; a failure raises the alert."""
    with own_connections():
        run = VerificationRun.objects.create(requested_by="system:scheduler")
        verification_runs.verification_execute(run.pk)
