"""The batch records' background work (procrastinate, run by `manage.py scheduler`)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from ebr.models import Batch
from ebr.services import close_filled_batches
from ebr.services.monitoring import batches_watching, cpp_check


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


def on_samples_stored(sender: Any, *, tags: list[str], start: datetime, end: datetime,
                      **_: Any) -> None:  # fmt: skip
    """Queue a check of every batch and spec the new samples touch (after the ingest
    committed; the check itself runs on the background queue)."""
    for batch_id, tag in batches_watching(tags, start, end):
        # One waiting check per batch and tag is enough: it reads the whole window.
        # (its own savepoint: a refused duplicate must not spoil a transaction around it)
        with contextlib.suppress(AlreadyEnqueued), transaction.atomic():
            check_cpp.configure(queueing_lock=f"cpp:{batch_id}:{tag}").defer(
                batch_id=batch_id, tag=tag
            )
