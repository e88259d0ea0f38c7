"""Capabilities: the GxP permissions that roles grant, in one place."""

from django.db import models


class Capability(models.Model):
    """Holds the project's permissions; no table (managed = False).

    Every permission here is a GxP permission: an administrator may hold none
    of them (separation of duties, FDA Data Integrity Q&A).
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_process_data", "Read tags, values, annotations, corrections, batches, reports"),
            ("manage_tags", "Create and change tags and equipment"),
            ("ingest_samples", "Ingest process samples"),
            ("annotate", "Annotate process data"),
            ("correct_samples", "Correct process samples (signed, approved)"),
            ("sign_records", "Sign records electronically"),
            ("execute_steps", "Execute batch record steps"),
            ("verify_steps", "Verify batch record steps performed by others"),
            ("review_batches", "Review batches by exception, handle deviations"),
            ("release_batches", "Release or reject batches"),
            ("manage_master_records", "Author master batch records"),
        ]

    def __str__(self) -> str:
        return "capabilities"
