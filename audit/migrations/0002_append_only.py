"""The audit chain is append-only; the only UPDATE allowed is sealing an unsealed event."""

from django.db import migrations

from core.frozen.v1 import append_only_sql, for_runtime_role

SEAL_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_seal_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seq IS NOT NULL OR OLD.hash IS NOT NULL OR OLD.prev_hash IS NOT NULL
     OR NEW.seq IS NULL OR NEW.hash IS NULL OR NEW.prev_hash IS NULL
     OR (NEW.id, NEW.occurred_at, NEW.txid, NEW.actor_id, NEW.actor_username, NEW.action,
         NEW.table_name, NEW.record_pk, NEW.changes, NEW.reason, NEW.request_id)
        IS DISTINCT FROM
        (OLD.id, OLD.occurred_at, OLD.txid, OLD.actor_id, OLD.actor_username, OLD.action,
         OLD.table_name, OLD.record_pk, OLD.changes, OLD.reason, OLD.request_id)
  THEN
    RAISE EXCEPTION 'ledgerline: audit events are append-only; only sealing is allowed'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_event_seal_only BEFORE UPDATE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_seal_only();
ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_seal_only;

CREATE OR REPLACE FUNCTION audit_event_require_seal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id AND seq IS NULL) THEN
    RAISE EXCEPTION 'ledgerline: audit event % was not sealed before commit', NEW.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER audit_event_sealed_at_commit AFTER INSERT ON audit_event
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_event_require_seal();
ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_sealed_at_commit;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(append_only_sql("audit_event", refuse_update=False)),
        migrations.RunSQL(SEAL_ONLY),
        # The runtime role may fill the seal columns and nothing else.
        migrations.RunSQL(for_runtime_role("REVOKE UPDATE ON audit_event FROM {role}")),
        migrations.RunSQL(
            for_runtime_role("GRANT UPDATE (seq, prev_hash, hash) ON audit_event TO {role}")
        ),
    ]
