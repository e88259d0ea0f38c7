"""Rollups off the ingest's critical path (historian/frozen/v2.py): the permit trigger also
records the minutes each statement stored as owed to the rollups; a drain function, run by
the background queue, recomputes them through the one writer. The runtime role reads the
owed minutes (reads recompute them from the samples) and runs the drain, but cannot write
them."""

from django.db import migrations

from core.frozen.v1 import for_runtime_role
from historian.frozen import v1
from historian.frozen.v2 import DRAIN_FUNCTION, ROLLUP_PENDING, SAMPLE_ACCEPTED

_V1_START = v1.SAMPLE_PERMITS.index("CREATE OR REPLACE FUNCTION historian_sample_accepted()")
_V1_END = v1.SAMPLE_PERMITS.index("CREATE TRIGGER historian_sample_accepted")
V1_SAMPLE_ACCEPTED = v1.SAMPLE_PERMITS[_V1_START:_V1_END]


class Migration(migrations.Migration):
    dependencies = [("historian", "0009_trend_display")]

    operations = [
        migrations.RunSQL(ROLLUP_PENDING, "DROP TABLE historian_rollup_pending;"),
        migrations.RunSQL(
            for_runtime_role(
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON historian_rollup_pending FROM {role}"
            ),
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            for_runtime_role("GRANT SELECT ON historian_rollup_pending TO {role}"),
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(SAMPLE_ACCEPTED, V1_SAMPLE_ACCEPTED),
        migrations.RunSQL(
            DRAIN_FUNCTION, "DROP FUNCTION IF EXISTS historian_drain_rollups(integer);"
        ),
    ]
