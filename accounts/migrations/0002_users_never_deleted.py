"""Users are never deleted and usernames never change, so a username is never reused."""

from django.db import migrations

from core.frozen.v1 import for_runtime_role

SQL = """
CREATE OR REPLACE FUNCTION accounts_user_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'ledgerline: users are never deleted; deactivate the account instead'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.username IS DISTINCT FROM OLD.username THEN
    RAISE EXCEPTION 'ledgerline: a username never changes (it would free it for reuse)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER accounts_user_no_delete BEFORE DELETE ON accounts_user
  FOR EACH ROW EXECUTE FUNCTION accounts_user_guard();
CREATE TRIGGER accounts_user_no_truncate BEFORE TRUNCATE ON accounts_user
  FOR EACH STATEMENT EXECUTE FUNCTION accounts_user_guard();
CREATE TRIGGER accounts_user_username_fixed BEFORE UPDATE OF username ON accounts_user
  FOR EACH ROW EXECUTE FUNCTION accounts_user_guard();
ALTER TABLE accounts_user ENABLE ALWAYS TRIGGER accounts_user_no_delete;
ALTER TABLE accounts_user ENABLE ALWAYS TRIGGER accounts_user_no_truncate;
ALTER TABLE accounts_user ENABLE ALWAYS TRIGGER accounts_user_username_fixed;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunSQL(SQL),
        migrations.RunSQL(for_runtime_role("REVOKE DELETE, TRUNCATE ON accounts_user FROM {role}")),
    ]
