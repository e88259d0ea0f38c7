"""Permissions, content types (which name a permission's app) and API tokens decide who may do
what: they are audited row by row, with a baseline event for each existing row."""

from django.db import migrations

from audit.chain import seal_migration_events
from audit.frozen.v1 import capture_sql, drop_capture_sql

BASELINE = "accounts.0005_audit_security_tables"
AUDITED = {
    "auth_permission": capture_sql("auth_permission", baseline=BASELINE),
    "django_content_type": capture_sql("django_content_type", baseline=BASELINE),
    "accounts_api_token": capture_sql(
        "accounts_api_token", ignored=("last_used_at",), masked=("digest",), baseline=BASELINE
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_capture"),
        ("audit", "0007_chain_guarded_by_the_database"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        *[migrations.RunSQL(sql, drop_capture_sql(table)) for table, sql in AUDITED.items()],
        migrations.RunPython(seal_migration_events, migrations.RunPython.noop),
    ]
