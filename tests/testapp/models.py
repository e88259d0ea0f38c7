"""Test-only GxP records: an audited, signable specimen and an unaudited twin for contrast."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords


class Specimen(models.Model):
    """Audited row by row (capture trigger), with per-record history, signable, versioned."""

    name = models.CharField(max_length=100)
    value = models.FloatField(null=True)
    note = models.TextField(blank=True)
    version = models.IntegerField(default=1)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)

    history = HistoricalRecords(table_name="testapp_specimen_history")
    signed_fields = ("id", "name", "value", "note", "version", "supersedes_id")

    class Meta:
        db_table = "testapp_specimen"

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class PlainSpecimen(models.Model):
    """The same columns without any audit trigger: the baseline of the write-overhead benchmark."""

    name = models.CharField(max_length=100)
    value = models.FloatField(null=True)
    note = models.TextField(blank=True)
    version = models.IntegerField(default=1)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        db_table = "testapp_plain_specimen"

    def __str__(self) -> str:
        return self.name
