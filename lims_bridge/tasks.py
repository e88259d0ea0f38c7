"""The LIMS bridge's background work (procrastinate, run by `manage.py scheduler`)."""

from __future__ import annotations

from django.db import connections
from procrastinate.contrib.django import app

from accounts.models import User
from lims_bridge import services
from lims_bridge.models import Transfer


@app.task(queue="default", name="lims_bridge.pull")
def pull(transfer_id: int, username: str) -> None:
    """Run a queued SENAITE pull as the account that asked for it."""
    try:
        transfer = Transfer.objects.defer("content").filter(pk=transfer_id).first()
        actor = User.objects.filter(username=username).first()
        if transfer is not None and actor is not None and transfer.state == Transfer.State.QUEUED:
            services.pull_senaite(actor=actor, transfer=transfer)
    finally:
        connections.close_all()
