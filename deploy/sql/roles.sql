-- Ledgerline database roles (DESIGN.md, "Audit mechanics").
-- Run once as a superuser, e.g.:
--   psql -v migrator_password=... -v app_password=... -f deploy/sql/roles.sql
-- ledgerline_owner     NOLOGIN; owns every table, so its rights are never the app's.
-- ledgerline_migrator  LOGIN; member of the owner; runs migrations with
--                      OPTIONS["assume_role"] = ledgerline_owner (CREATEDB only for tests).
-- ledgerline_app       LOGIN; the runtime role: only the privileges the app needs.
SELECT set_config('ledgerline.migrator_password', :'migrator_password', false);
SELECT set_config('ledgerline.app_password', :'app_password', false);

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledgerline_owner') THEN
    CREATE ROLE ledgerline_owner NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledgerline_migrator') THEN
    EXECUTE format('CREATE ROLE ledgerline_migrator LOGIN CREATEDB PASSWORD %L',
                   current_setting('ledgerline.migrator_password'));
  ELSE
    EXECUTE format('ALTER ROLE ledgerline_migrator LOGIN CREATEDB PASSWORD %L',
                   current_setting('ledgerline.migrator_password'));
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledgerline_app') THEN
    EXECUTE format('CREATE ROLE ledgerline_app LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L',
                   current_setting('ledgerline.app_password'));
  ELSE
    EXECUTE format('ALTER ROLE ledgerline_app LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L',
                   current_setting('ledgerline.app_password'));
  END IF;
END
$$;

-- No JIT compilation: the historian's reads are many short index-driven statements whose
-- row estimates (ranges bound at run time) often pass jit_above_cost, and compiling costs
-- 20-30 ms each, more than the statement itself (the CPP excursion search ran 2x slower).
ALTER ROLE ledgerline_app SET jit = off;
ALTER ROLE ledgerline_migrator SET jit = off;

GRANT ledgerline_owner TO ledgerline_migrator;
-- The migration role may also act as the runtime role (SET ROLE), so that checks and tests
-- can prove what the runtime role can and cannot do; it gains nothing it lacks.
GRANT ledgerline_app TO ledgerline_migrator;
SELECT set_config('ledgerline.migrator_password', '', false);
SELECT set_config('ledgerline.app_password', '', false);
