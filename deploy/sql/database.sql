-- Prepare a Ledgerline database (run as a superuser inside it, after roles.sql).
-- The local bootstrap runs it in the template database that the app's and the
-- test suite's databases are cloned from, and again in both on every start: it is
-- idempotent, and must be re-run after every `ALTER EXTENSION timescaledb UPDATE`
-- (an update re-creates functions with EXECUTE for PUBLIC).
CREATE EXTENSION IF NOT EXISTS timescaledb;
-- Exclusion constraints over (line, time window): a batch's window on a line never overlaps
-- another's (ebr). The migration role cannot create extensions, so it is made here.
CREATE EXTENSION IF NOT EXISTS btree_gist;

GRANT CREATE, USAGE ON SCHEMA public TO ledgerline_owner;
GRANT USAGE ON SCHEMA public TO ledgerline_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Tables the owner creates are readable and writable by the runtime role;
-- migrations of append-only tables revoke UPDATE/DELETE/TRUNCATE again.
ALTER DEFAULT PRIVILEGES FOR ROLE ledgerline_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ledgerline_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ledgerline_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO ledgerline_app;

-- TimescaleDB's functions. Many write (drop_chunk, create_chunk, freeze_chunk, move_chunk,
-- add_job, …) and the catalogue cannot tell which, so none is executable by PUBLIC: the
-- owner role (which makes and owns the hypertables) may run them all, the runtime role only
-- the read-only functions below. Trigger functions and the functions TimescaleDB calls
-- internally (chunk creation on insert, event triggers) need no EXECUTE privilege.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'timescaledb'
  LOOP
    EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC, ledgerline_app', f);
    EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO ledgerline_owner', f);
  END LOOP;
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'timescaledb'
    WHERE n.nspname || '.' || p.proname IN (
      -- ALLOW-LIST BEGIN (core/dbsql.py TIMESCALEDB_RUNTIME_FUNCTIONS says the same)
      'public.first', 'public.last', 'public.histogram',
      'public.time_bucket', 'public.time_bucket_gapfill', 'public.locf', 'public.interpolate',
      'public.show_chunks', 'public.approximate_row_count',
      '_timescaledb_functions.to_timestamp', '_timescaledb_functions.to_interval',
      '_timescaledb_functions.to_unix_microseconds', '_timescaledb_functions.to_date'
      -- ALLOW-LIST END
    )
  LOOP
    EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO ledgerline_app', f);
  END LOOP;
END
$$;
