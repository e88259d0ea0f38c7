"""A signed correction's signed fields are guarded (frozen audit SQL v2)."""

from django.db import migrations

from audit.operations import AuditedTable


class Migration(migrations.Migration):
    dependencies = [("historian", "0006_alter_tag_options"), ("audit", "0010_signed_fields_guard")]

    operations = [
        AuditedTable(
            "historian_correction",
            signed_fields=("id", "tag_id", "start", "end", "values", "reason", "author_id"),
        ),
    ]
