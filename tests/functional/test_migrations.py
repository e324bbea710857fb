import psycopg

from castle.adapters.postgres.migrations import migrate, migration_files


def test_every_migration_is_applied_once_and_a_second_run_applies_nothing(database_url: str) -> None:
    assert migrate(database_url) == []
    with psycopg.connect(database_url) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [version for version, _ in migration_files()]
