"""The historian's background work (procrastinate, run by `manage.py scheduler`)."""

from __future__ import annotations

from django.db import connections
from procrastinate.contrib.django import app

from historian import rollups


@app.periodic(cron="* * * * * */5", periodic_id="rollup-drain")
@app.task(queue="default", name="historian.drain_rollups", queueing_lock="rollup-drain")
def drain_rollups(timestamp: int) -> None:
    """Every 5 seconds: recompute the minutes owed to the rollups (historian.rollups)."""
    try:
        rollups.drain_all()
    finally:
        connections.close_all()
