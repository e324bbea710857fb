"""Ledger tests share the session database: users are unique per test and every test starts its
engine tapes from seq 1 (the consumers' progress is reset before each test)."""

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from castle.adapters.postgres.ledger_store import PostgresLedger, get_ledger
from castle.domain.money import to_minor

UserFactory = Callable[..., str]


@pytest.fixture
def ledger(database_url: str) -> Iterator[PostgresLedger]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM consumer_progress")
    yield get_ledger()


@pytest.fixture
def new_user(ledger: PostgresLedger) -> UserFactory:
    """new_user(USDT="1000", BTC="2") -> a fresh user id, credited by deposits."""

    def create(**funds: str) -> str:
        user_id = f"user-{uuid.uuid4()}"
        ledger.ensure_account(user_id, f"{user_id}@example.com")
        for asset, amount in funds.items():
            ledger.credit_deposit(f"seed-{user_id}-{asset}", user_id, asset, to_minor(amount))
        return user_id

    return create
