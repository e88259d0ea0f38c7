"""The capture trigger function and the row image of the state check."""

from django.db import migrations

from audit.sql import CAPTURE_FUNCTIONS


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.RunSQL(
            CAPTURE_FUNCTIONS,
            "DROP FUNCTION IF EXISTS audit_capture(); DROP FUNCTION IF EXISTS audit_row_image(jsonb, text[], text[]);",
        )
    ]
