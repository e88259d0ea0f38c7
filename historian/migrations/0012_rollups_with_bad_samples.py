"""Rollups with the bad samples (historian/frozen/v4.py): the one writer also keeps, for every
minute and hour holding a bad sample, its summary with the bad samples' values counted in, so
reads asking bad samples back take rollups too. Minutes already drained that hold bad samples
are owed again (the drain writes their new rows; reads recompute them meanwhile). The partial
index of bad samples (v3) is no longer read and is dropped."""

from django.db import migrations

from core.frozen.v1 import for_runtime_role
from historian.frozen import v1, v4
from historian.frozen.v3 import BAD_SAMPLES_INDEX


class Migration(migrations.Migration):
    dependencies = [("historian", "0011_bad_samples_index")]

    operations = [
        migrations.RunSQL(
            v4.TABLES, "DROP TABLE historian_rollup_all; DROP TABLE historian_rollup_hour_all;"
        ),
        migrations.RunSQL(
            for_runtime_role(
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON historian_rollup_all, "
                "historian_rollup_hour_all FROM {role}"
            ),
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            for_runtime_role(
                "GRANT SELECT ON historian_rollup_all, historian_rollup_hour_all TO {role}"
            ),
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(v4.REFRESH_FUNCTION, v1.REFRESH_FUNCTION),
        migrations.RunSQL(v4.OWE_BAD_MINUTES, migrations.RunSQL.noop),
        migrations.RunSQL("DROP INDEX historian_sample_bad;", BAD_SAMPLES_INDEX),
    ]
