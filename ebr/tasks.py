"""The batch records' background work (procrastinate, run by `manage.py scheduler`)."""

from __future__ import annotations

from django.db import connections
from procrastinate.contrib.django import app

from ebr.services import close_filled_batches


@app.periodic(cron="* * * * *", periodic_id="close-filled-batches")
@app.task(queue="default", name="ebr.close_filled_batches")
def close_filled(timestamp: int) -> None:
    """Every minute: close the quantity batches whose planned quantity has left the line."""
    try:
        close_filled_batches()
    finally:
        connections.close_all()
