"""API keys in PostgreSQL (table api_keys, migration 0100)."""

from typing import Any

from psycopg_pool import ConnectionPool

from castle.ports.auth import StoredApiKey

_COLUMNS = (
    "api_key, user_id, label, secret_ciphertext, permissions, ip_allowlist::text[], created_at, revoked_at"
)


def _row_to_key(row: tuple[Any, ...]) -> StoredApiKey:
    return StoredApiKey(
        api_key=row[0],
        user_id=row[1],
        label=row[2],
        secret_ciphertext=bytes(row[3]),
        permissions=frozenset(row[4]),
        ip_allowlist=tuple(row[5]),
        created_at=row[6],
        revoked_at=row[7],
    )


class PostgresApiKeyStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def insert(self, key: StoredApiKey) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO api_keys (api_key, user_id, label, secret_ciphertext, permissions,"
                " ip_allowlist, created_at) VALUES (%s, %s, %s, %s, %s, %s::cidr[], %s)",
                (
                    key.api_key,
                    key.user_id,
                    key.label,
                    key.secret_ciphertext,
                    sorted(key.permissions),
                    list(key.ip_allowlist),
                    key.created_at,
                ),
            )

    def get(self, api_key: str) -> StoredApiKey | None:
        with self._pool.connection() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE api_key = %s", (api_key,)).fetchone()
        return _row_to_key(row) if row else None

    def list_for_user(self, user_id: str) -> list[StoredApiKey]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM api_keys WHERE user_id = %s AND revoked_at IS NULL"
                " ORDER BY created_at, api_key",
                (user_id,),
            ).fetchall()
        return [_row_to_key(row) for row in rows]

    def count_for_user(self, user_id: str) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM api_keys WHERE user_id = %s AND revoked_at IS NULL", (user_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    def revoke(self, user_id: str, api_key: str) -> bool:
        with self._pool.connection() as conn:
            cursor = conn.execute(
                "UPDATE api_keys SET revoked_at = now()"
                " WHERE api_key = %s AND user_id = %s AND revoked_at IS NULL",
                (api_key, user_id),
            )
            return cursor.rowcount == 1
