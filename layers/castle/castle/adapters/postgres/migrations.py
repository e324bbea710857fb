"""Versioned schema migrations: castle/migrations/NNNN_name.sql, applied once each, in order.

Numbering ranges keep contexts apart: 0001-0099 ledger and accounts, 0100-0199 API (keys, orders
read models), 0200-0299 wallets and withdrawals, 0300-0399 analytics and fraud.
Run with `python -m castle.adapters.postgres.migrations [DATABASE_URL]`.
"""

import sys
from importlib import resources

import psycopg

# Serialises concurrent migrators (several Lambdas or test workers starting at once).
_ADVISORY_LOCK_KEY = 0x0CA571E


def migration_files() -> list[tuple[str, str]]:
    folder = resources.files("castle") / "migrations"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(name.removesuffix(".sql"), (folder / name).read_text()) for name in names]


def migrate(database_url: str) -> list[str]:
    """Apply every migration not yet applied; returns the versions applied now."""
    applied_now: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, sql in migration_files():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode())
                    conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                applied_now.append(version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))
    return applied_now


def main() -> None:
    from castle.settings import get_settings

    url = sys.argv[1] if len(sys.argv) > 1 else get_settings().database_url
    for version in migrate(url):
        print(f"applied {version}")


if __name__ == "__main__":
    main()
