"""The batch records' background work (procrastinate, run by `manage.py scheduler`)."""

from __future__ import annotations

from django.db import connections
from procrastinate.contrib.django import app

from ebr.models import Batch
from ebr.services import close_filled_batches
from ebr.services.monitoring import cpp_check


@app.periodic(cron="* * * * *", periodic_id="close-filled-batches")
@app.task(queue="default", name="ebr.close_filled_batches")
def close_filled(timestamp: int) -> None:
    """Every minute: close the quantity batches whose planned quantity has left the line."""
    try:
        close_filled_batches()
    finally:
        connections.close_all()


@app.task(queue="default", name="ebr.check_cpp")
def check_cpp(batch_id: int, tag: str) -> None:
    """Check one parameter spec of one batch over its window (queued when samples arrive)."""
    try:
        batch = Batch.objects.select_related("master_record", "line").filter(pk=batch_id).first()
        if batch is not None:
            cpp_check(batch, tag)
    finally:
        connections.close_all()
