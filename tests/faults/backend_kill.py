"""Kill a PostgreSQL backend in the middle of a transaction, deterministically.

A second connection takes a row lock the transaction under test needs (`row_locked`), so that
transaction blocks; `blocked_backend` finds it in pg_stat_activity (polling with a deadline) and
`terminate` kills it with pg_terminate_backend, exactly as a failover or an admin kill would.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

DEADLINE_S = 10.0


@contextmanager
def row_locked(database_url: str, query: str, params: tuple[Any, ...]) -> Iterator[int]:
    """Hold the rows `query` (a SELECT ... FOR UPDATE) locks until the block ends; yields the pid of
    the connection holding them."""
    with psycopg.connect(database_url) as conn:
        locked = conn.execute(query.encode(), params).fetchall()
        assert locked, f"nothing to lock: {query} {params}"
        try:
            yield conn.info.backend_pid
        finally:
            conn.rollback()


def blocked_backend(database_url: str, not_in: frozenset[int] = frozenset()) -> int:
    """The pid of a backend of this database waiting on a lock (polls until one appears)."""
    deadline = time.monotonic() + DEADLINE_S
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() ORDER BY backend_start"
            ).fetchall()
            waiting = [pid for (pid,) in rows if pid not in not_in]
            if waiting:
                return int(waiting[0])
            time.sleep(0.005)
    raise AssertionError("no transaction blocked on the lock before the deadline")


def terminate(database_url: str, pid: int) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
    assert row is not None and row[0], f"backend {pid} was not terminated"


def terminate_every_backend(database_url: str, sparing: int | None = None) -> int:
    """A failover as the clients see it: every connection to the database dies at once (but the
    test's own, and `sparing`); the number killed."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            (sparing or 0,),
        ).fetchall()
    return sum(1 for (killed,) in rows if killed)
