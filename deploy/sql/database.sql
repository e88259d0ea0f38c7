-- Prepare a Ledgerline database (run as a superuser inside it, after roles.sql).
-- The local bootstrap runs it in the template database that the app's and the
-- test suite's databases are cloned from.
CREATE EXTENSION IF NOT EXISTS timescaledb;

GRANT CREATE, USAGE ON SCHEMA public TO ledgerline_owner;
GRANT USAGE ON SCHEMA public TO ledgerline_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Tables the owner creates are readable and writable by the runtime role;
-- migrations of append-only tables revoke UPDATE/DELETE/TRUNCATE again.
ALTER DEFAULT PRIVILEGES FOR ROLE ledgerline_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ledgerline_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ledgerline_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO ledgerline_app;

-- The runtime role may never remove chunks of a hypertable.
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           WHERE p.proname IN ('drop_chunks', 'detach_tablespaces', 'detach_tablespace')
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;
