-- Least privilege: the role that migrates owns the schema; the worker only reads and writes rows;
-- dashboards and `kassa reconcile --dry-run` only read.
--
-- Roles belong to the whole PostgreSQL cluster, not to this database, so an administrator
-- creates them once with db/roles.sql (the owner of kassa's schema should not need CREATEROLE).
-- Here they get their rights on this database's objects, now and in every later migration run
-- by the same owner (ALTER DEFAULT PRIVILEGES).
DO $$
DECLARE
    missing text;
BEGIN
    SELECT string_agg(r, ', ') INTO missing
    FROM unnest(ARRAY['kassa_worker', 'kassa_reader']) AS r
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'roles % do not exist', missing
            USING HINT = 'an administrator creates them once per cluster with db/roles.sql '
                         '(README, "Database roles"), then `kassa migrate` goes on';
    END IF;
END $$;

-- Both schemas: kassa's own, and invoicebox (Invoicebox's order state, loaded by
-- `kassa state import`). Nobody else creates objects in them; the worker and the reader only look
-- things up.
REVOKE CREATE ON SCHEMA kassa, invoicebox FROM PUBLIC;
GRANT USAGE ON SCHEMA kassa, invoicebox TO kassa_worker, kassa_reader;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA kassa, invoicebox TO kassa_worker;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA kassa, invoicebox TO kassa_worker;
GRANT SELECT ON ALL TABLES IN SCHEMA kassa, invoicebox TO kassa_reader;

ALTER DEFAULT PRIVILEGES IN SCHEMA kassa, invoicebox
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kassa_worker;
ALTER DEFAULT PRIVILEGES IN SCHEMA kassa, invoicebox
    GRANT USAGE, SELECT ON SEQUENCES TO kassa_worker;
ALTER DEFAULT PRIVILEGES IN SCHEMA kassa, invoicebox GRANT SELECT ON TABLES TO kassa_reader;

-- The migration history is the owner's: the worker reads the version, nothing more.
REVOKE INSERT, UPDATE, DELETE ON kassa.schema_version FROM kassa_worker;
