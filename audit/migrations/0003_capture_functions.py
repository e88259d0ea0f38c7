"""The capture trigger function, the row image of the state check, and sealing's first step."""

from django.db import migrations

from audit.frozen.v1 import CAPTURE_FUNCTIONS, SEAL_BEGIN_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.RunSQL(
            SEAL_BEGIN_FUNCTION,
            "DROP FUNCTION IF EXISTS audit_seal_begin(bigint); "
            "DROP FUNCTION IF EXISTS audit_seal_finish(bigint[], bigint[], text[], text[]);",
        ),
        migrations.RunSQL(
            CAPTURE_FUNCTIONS,
            "DROP FUNCTION IF EXISTS audit_capture(); DROP FUNCTION IF EXISTS audit_row_image(jsonb, text[], text[]);",
        ),
    ]
