"""The chain guarded by the database: unsealed inserts, seals only as the next link under the
chain lock, no seal columns for the runtime role; capture in UTC whatever the session says;
checkpoints state their cadence; the catalogue of audited tables enters the chain."""

from django.db import migrations, models

from audit.frozen.v1 import CAPTURE_FUNCTIONS, CHAIN_GUARD, SEAL_BEGIN_FUNCTION
from core.frozen.v1 import for_runtime_role

RUNTIME_COLUMNS = (
    "actor_id, actor_username, action, table_name, record_pk, changes, reason, request_id"
)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_seal_in_one_round_trip")]

    operations = [
        migrations.AddField(
            model_name="checkpoint",
            name="cadence_seconds",
            field=models.IntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("insert", "Insert"),
                    ("update", "Update"),
                    ("delete", "Delete"),
                    ("security", "Security"),
                    ("signature", "Signature"),
                    ("checkpoint", "Checkpoint"),
                    ("ingest", "Ingest"),
                    ("review", "Review"),
                    ("catalogue", "Catalogue"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunSQL(SEAL_BEGIN_FUNCTION),  # pinned search_path; CHAIN_GUARD then replaces
        migrations.RunSQL(CHAIN_GUARD),  # audit_seal_finish
        migrations.RunSQL(CAPTURE_FUNCTIONS),
        # The runtime role inserts unsealed events with the columns the application writes,
        # and seals only through audit_seal_finish (SECURITY DEFINER).
        migrations.RunSQL(for_runtime_role("REVOKE INSERT, UPDATE ON audit_event FROM {role}")),
        migrations.RunSQL(
            for_runtime_role(f"GRANT INSERT ({RUNTIME_COLUMNS}) ON audit_event TO {{role}}")
        ),
    ]
