"""Every stored sample belongs to an ingest batch that accepted it (permits checked by a
statement trigger on the hypertable; chunks take no direct writes); rollups have one writer,
a function that recomputes them from the raw rows, and the runtime role none."""

from django.db import migrations, models

from audit.chain import seal_migration_events
from audit.frozen.v1 import added_columns_sql
from core.frozen.v1 import append_only_sql, for_runtime_role
from historian.frozen.v1 import REFRESH_FUNCTION, SAMPLE_PERMITS

DROP_PERMITS = """
DROP TRIGGER IF EXISTS historian_sample_accepted ON historian_sample;
DROP TRIGGER IF EXISTS historian_ingest_batch_stamp ON historian_ingest_batch;
DROP FUNCTION IF EXISTS historian_sample_accepted();
DROP FUNCTION IF EXISTS historian_sample_write_grants_revoke();
DROP TABLE IF EXISTS historian_ingest_permit;
DROP FUNCTION IF EXISTS historian_stamp_ingest_tx();
DROP FUNCTION IF EXISTS historian_ingest_permit_batch();
"""

# Permits for the batches stored before this migration, so their samples stay accounted for.
BACKFILL = """
ALTER TABLE historian_ingest_permit DISABLE TRIGGER historian_ingest_permit_stamp;
ALTER TABLE historian_ingest_permit DISABLE TRIGGER historian_ingest_permit_batch;
INSERT INTO historian_ingest_permit (batch_id, tag_id, ingest_tx)
SELECT b.id, t.tag_id, 0 FROM historian_ingest_batch b, unnest(b.tag_ids) AS t(tag_id);
ALTER TABLE historian_ingest_permit ENABLE ALWAYS TRIGGER historian_ingest_permit_stamp;
ALTER TABLE historian_ingest_permit ENABLE ALWAYS TRIGGER historian_ingest_permit_batch;
"""


class Migration(migrations.Migration):
    dependencies = [("historian", "0004_hourly_rollups")]

    operations = [
        migrations.AddField(
            model_name="ingestbatch",
            name="ingest_tx",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(
            added_columns_sql(
                "historian_ingest_batch",
                ("ingest_tx",),
                migration="historian.0005_samples_accepted_rollups_derived",
            ),
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(seal_migration_events, migrations.RunPython.noop),
        migrations.RunSQL(SAMPLE_PERMITS, DROP_PERMITS),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(append_only_sql("historian_ingest_permit")),
        migrations.RunSQL(for_runtime_role("REVOKE INSERT ON historian_ingest_permit FROM {role}")),
        migrations.RunSQL(
            for_runtime_role("GRANT INSERT (batch_id, tag_id) ON historian_ingest_permit TO {role}")
        ),
        migrations.RunSQL(
            REFRESH_FUNCTION,
            "DROP FUNCTION IF EXISTS historian_refresh_rollups(integer[], timestamptz[]);",
        ),
        migrations.RunSQL(
            for_runtime_role(
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON historian_rollup, "
                "historian_rollup_hour FROM {role}"
            )
        ),
    ]
