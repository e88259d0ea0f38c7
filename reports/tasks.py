"""The reports' background work (procrastinate, run by `manage.py scheduler`)."""

from __future__ import annotations

import contextlib

from django.db import connections
from procrastinate.contrib.django import app

from accounts.models import User
from reports import services
from reports.models import Document


@app.task(queue="default", name="reports.render")
def render(document_id: str, username: str) -> None:
    """Render a queued document as the person who asked for it."""
    try:
        document = Document.objects.defer("pdf").filter(document_id=document_id).first()
        actor = User.objects.filter(username=username).first()
        if document is not None and actor is not None and document.state == "queued":
            with contextlib.suppress(Exception):  # the failure is recorded on the document
                services.complete(actor=actor, document=document)
    finally:
        connections.close_all()
