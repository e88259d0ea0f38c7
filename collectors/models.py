"""What each collector last reported: operational telemetry of the store-and-forward link,
not a GxP record (like the job queue's worker heartbeats, it is not audited row by row); the
values a collector forwards are, as ingest batches in the audit chain."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Collector(models.Model):
    """One collector by name, reported by the service account it sends with."""

    class Kind(models.TextChoices):
        MQTT = "mqtt", "MQTT"
        OPCUA = "opcua", "OPC UA"

    name = models.CharField(max_length=200, unique=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    last_seen = models.DateTimeField()  # the server's time of the last heartbeat
    buffered = models.BigIntegerField()  # values on the collector's disk, not yet stored
    oldest_age_seconds = models.FloatField(null=True, blank=True)  # how long the oldest waited
    buffer_bytes = models.BigIntegerField()
    max_bytes = models.BigIntegerField()
    send_rate = models.FloatField()  # values/s over the last minute
    quarantined = models.IntegerField()  # batches the historian refused for good
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
