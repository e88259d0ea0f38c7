"""Users, their roles and role permissions are audited row by row (DESIGN.md, "Which tables").

An update that touches only `last_login` is the login's security event instead;
password hashes are recorded as their SHA-256, never as such.
"""

from django.db import migrations

from audit.chain import seal_migration_events
from audit.frozen.v1 import capture_sql, drop_capture_sql
from core.frozen.v1 import append_only_sql, for_runtime_role

BASELINE = "accounts.0004_audit_capture"
AUDITED = {
    "accounts_user": capture_sql(
        "accounts_user",
        ignored=("last_login",),
        masked=("password",),
        history_table="accounts_user_history",
        baseline=BASELINE,
    ),
    "accounts_user_groups": capture_sql("accounts_user_groups", baseline=BASELINE),
    "accounts_user_user_permissions": capture_sql(
        "accounts_user_user_permissions", baseline=BASELINE
    ),
    "auth_group": capture_sql("auth_group", baseline=BASELINE),
    "auth_group_permissions": capture_sql("auth_group_permissions", baseline=BASELINE),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_history"),
        ("audit", "0003_capture_functions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        *[migrations.RunSQL(sql, drop_capture_sql(table)) for table, sql in AUDITED.items()],
        # History rows are written by the capture trigger (as the owner) and never changed.
        migrations.RunSQL(append_only_sql("accounts_user_history")),
        migrations.RunSQL(for_runtime_role("REVOKE INSERT ON accounts_user_history FROM {role}")),
        migrations.RunPython(seal_migration_events, migrations.RunPython.noop),
    ]
