"""One psycopg connection pool per process, created lazily on first use (never at import time).

On AWS the Lambdas reach Aurora through RDS Proxy with IAM authentication: every new connection
gets a fresh 15-minute auth token as its password (CASTLE_DATABASE_IAM_AUTH=true). Locally and in
tests the URL alone is enough (trust auth).
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import boto3
from psycopg_pool import ConnectionPool

from castle.settings import Settings, get_settings


def iam_auth_kwargs(settings: Settings) -> Callable[[], dict[str, Any]]:
    """Connection kwargs whose password is an RDS IAM auth token minted per connection."""
    url = urlsplit(settings.database_url)
    host, port, user = url.hostname or "", url.port or 5432, url.username or ""
    client = boto3.client("rds", region_name=settings.aws_region)

    def kwargs() -> dict[str, Any]:
        token = client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)
        return {"autocommit": False, "password": token}

    return kwargs


@lru_cache(maxsize=1)
def get_pool() -> ConnectionPool:
    settings = get_settings()
    kwargs: dict[str, Any] | Callable[[], dict[str, Any]] = {"autocommit": False}
    if settings.database_iam_auth:
        kwargs = iam_auth_kwargs(settings)
    # Small on Lambda (one request at a time per container; RDS Proxy multiplexes), larger for hosts.
    pool = ConnectionPool(
        settings.database_url,
        min_size=1,
        max_size=8,
        open=True,
        kwargs=kwargs,
        check=ConnectionPool.check_connection,
    )
    pool.wait(timeout=10)
    return pool


def close_pool() -> None:
    """Close and forget the pool (tests, and processes that change CASTLE_DATABASE_URL)."""
    if get_pool.cache_info().currsize:
        get_pool().close()
    get_pool.cache_clear()
