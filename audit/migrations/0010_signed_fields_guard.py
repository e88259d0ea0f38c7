"""Frozen SQL v2: a signed row's declared signed fields (not its whole row) are guarded, so a
status may still move through its state machine; audited tables get their protections from
the one operation, audit.operations.AuditedTable."""

from django.db import migrations

from audit.frozen.v2 import FUNCTIONS
from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_alter_auditevent_options")]

    operations = [
        migrations.RunSQL(FUNCTIONS, migrations.RunSQL.noop),
        AuditedTable(
            "audit_review",
            signed_fields=(
                "id",
                "reviewer_id",
                "from_seq",
                "to_seq",
                "filters",
                "event_count",
                "note",
            ),
        ),
    ]
