"""Hourly rollups beside the minute rollups: derived, rebuildable, not audited row by row."""

from django.db import migrations

from historian.frozen.v1 import HOUR_TABLE


class Migration(migrations.Migration):
    dependencies = [("historian", "0003_ingest_batch_tags")]

    operations = [migrations.RunSQL(HOUR_TABLE, "DROP TABLE historian_rollup_hour;")]
