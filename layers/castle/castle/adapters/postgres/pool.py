"""One psycopg connection pool per process, created lazily on first use (never at import time)."""

from functools import lru_cache

from psycopg_pool import ConnectionPool

from castle.settings import get_settings


@lru_cache(maxsize=1)
def get_pool() -> ConnectionPool:
    settings = get_settings()
    # Small on Lambda (one request at a time per container; RDS Proxy multiplexes), larger for hosts.
    pool = ConnectionPool(
        settings.database_url,
        min_size=1,
        max_size=8,
        open=True,
        kwargs={"autocommit": False},
        check=ConnectionPool.check_connection,
    )
    pool.wait(timeout=10)
    return pool


def close_pool() -> None:
    """Close and forget the pool (tests, and processes that change CASTLE_DATABASE_URL)."""
    if get_pool.cache_info().currsize:
        get_pool().close()
    get_pool.cache_clear()
