"""One writer per batch's record at a time: entries, verifications, deviations of the batch,
reviews and the disposition queue behind each other (a transaction-scoped advisory lock), so a
disposition sees every entry and deviation committed before it, and none slips in beside it."""

from __future__ import annotations

from django.db import connection

from ebr.models import Batch


def lock_batch(batch: Batch) -> Batch:
    """Take the batch's lock (until the transaction ends) and read it afresh."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ebr_batch:{batch.pk}"])
    return Batch.objects.select_related("master_record", "line").get(pk=batch.pk)
