"""The sample hypertable and rollups; historian records audited; samples append-only.

TimescaleDB 2.19 cannot ENABLE ALWAYS a hypertable's triggers, and drop_chunks
bypasses DELETE triggers: so the runtime role gets SELECT and INSERT only, may
not execute drop_chunks, and the ingest digests in the chain catch the rest.
"""

from django.db import migrations

from audit.chain import seal_migration_events
from audit.frozen.v1 import capture_sql, signed_guard_sql
from core.frozen.v1 import append_only_sql, for_runtime_role
from historian.frozen.v1 import SAMPLE_TABLE

BASELINE = "historian.0002_sample_store"

NEVER_DELETED = """
CREATE OR REPLACE FUNCTION historian_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledgerline: % rows are never deleted (samples and history refer to them)',
    TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER historian_tag_never_deleted BEFORE DELETE ON historian_tag
  FOR EACH ROW EXECUTE FUNCTION historian_never_deleted();
ALTER TABLE historian_tag ENABLE ALWAYS TRIGGER historian_tag_never_deleted;
CREATE TRIGGER historian_ingest_batch_never_deleted BEFORE UPDATE OR DELETE
  ON historian_ingest_batch FOR EACH ROW EXECUTE FUNCTION historian_never_deleted();
ALTER TABLE historian_ingest_batch ENABLE ALWAYS TRIGGER historian_ingest_batch_never_deleted;
"""


class Migration(migrations.Migration):
    dependencies = [("historian", "0001_initial"), ("audit", "0006_seal_in_one_round_trip")]

    operations = [
        migrations.RunSQL(
            SAMPLE_TABLE, "DROP TABLE historian_sample; DROP TABLE historian_rollup;"
        ),
        migrations.RunSQL(
            for_runtime_role("REVOKE UPDATE, DELETE, TRUNCATE ON historian_sample FROM {role}")
        ),
        migrations.RunSQL(
            capture_sql(
                "historian_equipment",
                history_table="historian_equipment_history",
                baseline=BASELINE,
            )
        ),
        migrations.RunSQL(
            capture_sql("historian_tag", history_table="historian_tag_history", baseline=BASELINE)
        ),
        migrations.RunSQL(capture_sql("historian_ingest_batch", baseline=BASELINE)),
        migrations.RunSQL(capture_sql("historian_annotation", baseline=BASELINE)),
        migrations.RunSQL(capture_sql("historian_correction", baseline=BASELINE)),
        migrations.RunSQL(signed_guard_sql("historian_correction")),
        migrations.RunSQL(append_only_sql("historian_equipment_history")),
        migrations.RunSQL(append_only_sql("historian_tag_history")),
        migrations.RunSQL(NEVER_DELETED),
        migrations.RunPython(seal_migration_events, migrations.RunPython.noop),
    ]
