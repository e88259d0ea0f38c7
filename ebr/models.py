"""Electronic batch records. Until the batch-record models arrive, the capabilities."""

from django.db import models


class EbrCapability(models.Model):
    """Holds the batch records' permissions; no table (managed = False). All GxP."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("execute_steps", "Execute batch record steps"),
            ("verify_steps", "Verify batch record steps performed by others"),
            ("review_batches", "Review batches by exception, handle deviations"),
            ("release_batches", "Release or reject batches"),
            ("manage_master_records", "Author master batch records"),
        ]

    def __str__(self) -> str:
        return "batch record capabilities"
