"""Order list ids from the PostgreSQL sequence order_list_ids (migration 0101)."""

from psycopg_pool import ConnectionPool


class PostgresOrderListIds:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def next_id(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT nextval('order_list_ids')").fetchone()
        assert row is not None
        return int(row[0])
