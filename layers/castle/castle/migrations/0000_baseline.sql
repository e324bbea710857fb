-- Baseline: the schema_migrations table is created by the migrator itself; nothing else yet.
SELECT 1;
