from django.db import migrations

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [("testapp", "0002_audit"), ("audit", "0010_signed_fields_guard")]

    operations = [
        AuditedTable(
            "testapp_specimen",
            history_table="testapp_specimen_history",
            signed_fields=("id", "name", "value", "note", "version", "supersedes_id"),
        ),
    ]
