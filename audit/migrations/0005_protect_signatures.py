"""Signatures, checkpoints and keys are append-only; reviews are audited and, once signed, fixed."""

from django.db import migrations

from audit.frozen.v1 import SIGNED_GUARD_FUNCTION, capture_sql, signed_guard_sql
from core.frozen.v1 import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_signatures_checkpoints")]

    operations = [
        migrations.RunSQL(append_only_sql("audit_signing_key")),
        migrations.RunSQL(append_only_sql("audit_checkpoint")),
        migrations.RunSQL(append_only_sql("audit_signature")),
        migrations.RunSQL(SIGNED_GUARD_FUNCTION),
        migrations.RunSQL(capture_sql("audit_review")),
        migrations.RunSQL(signed_guard_sql("audit_review")),
    ]
