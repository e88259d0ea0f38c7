from django.db import migrations

from audit.chain import seal_migration_events
from audit.frozen.v1 import capture_sql, signed_guard_sql
from core.frozen.v1 import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("testapp", "0001_initial"), ("audit", "0005_protect_signatures")]

    operations = [
        migrations.RunSQL(
            capture_sql(
                "testapp_specimen",
                history_table="testapp_specimen_history",
                baseline="testapp.0002_audit",
            )
        ),
        migrations.RunSQL(signed_guard_sql("testapp_specimen")),
        migrations.RunSQL(append_only_sql("testapp_specimen_history")),
        migrations.RunPython(seal_migration_events, migrations.RunPython.noop),
    ]
