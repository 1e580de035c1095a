-- kassa's database roles: run once per PostgreSQL cluster by an administrator (a superuser or a
-- role with CREATEROLE), before the `kassa migrate` that brings schema version 11. Idempotent.
--
--   psql "postgresql://admin@db-host/postgres" -v ON_ERROR_STOP=1 -f db/roles.sql
--
-- kassa_worker  reads and writes kassa's rows (`kassa run`, `kassa reconcile`, `kassa replay`,
--               `kassa state import`, `kassa outbox retry`); cannot create, alter or drop.
-- kassa_reader  reads only (dashboards, `kassa reconcile --dry-run`, `kassa receipts show`).
--
-- Both are group roles without a login. Grant them to the login roles the services use, e.g.
--   CREATE ROLE kassa_app LOGIN PASSWORD '...' IN ROLE kassa_worker;
--   CREATE ROLE grafana_kassa LOGIN PASSWORD '...' IN ROLE kassa_reader;
-- The schema's owner (the role `kassa migrate` connects as) owns the database or has CREATE on
-- it; it needs no other rights. The grants on kassa's tables come with migration V011.
SELECT 'CREATE ROLE kassa_worker NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kassa_worker') \gexec
SELECT 'CREATE ROLE kassa_reader NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kassa_reader') \gexec
