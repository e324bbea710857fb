"""A fresh PostgreSQL database per test session (per xdist worker), migrated, dropped at the end."""

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from castle.adapters.postgres.migrations import migrate
from castle.adapters.postgres.pool import close_pool
from castle.settings import get_settings

ADMIN_URL = os.environ.get("CASTLE_TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def create_database(prefix: str = "castle_test") -> str:
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def url_for(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A migrated database; CASTLE_DATABASE_URL points at it so the lazy pool finds it."""
    name = create_database()
    url = url_for(name)
    migrate(url)
    previous = os.environ.get("CASTLE_DATABASE_URL")
    os.environ["CASTLE_DATABASE_URL"] = url
    get_settings.cache_clear()
    close_pool()
    try:
        yield url
    finally:
        close_pool()
        if previous is None:
            os.environ.pop("CASTLE_DATABASE_URL", None)
        else:
            os.environ["CASTLE_DATABASE_URL"] = previous
        get_settings.cache_clear()
        drop_database(name)
