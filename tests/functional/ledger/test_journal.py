"""The database itself guards the journal: immutable, balanced, no user overdraft, migrations from empty."""

import psycopg
import pytest

from castle.adapters.postgres.migrations import migrate
from tests.functional.ledger.conftest import UserFactory
from tests.support.conservation import assert_conserved
from tests.support.database import create_database, drop_database, url_for


def _entry(conn: psycopg.Connection[tuple[object, ...]], cause_id: str) -> int:
    row = conn.execute(
        "INSERT INTO journal_entries (cause_type, cause_id, leg)"
        " VALUES ('deposit', %s, 'test') RETURNING entry_id",
        (cause_id,),
    ).fetchone()
    assert row is not None
    entry_id = row[0]
    assert isinstance(entry_id, int)
    return entry_id


def test_journal_entries_and_postings_cannot_be_changed_or_deleted(
    database_url: str, new_user: UserFactory
) -> None:
    new_user(BTC="1")
    with psycopg.connect(database_url, autocommit=True) as conn:
        for statement in (
            "UPDATE postings SET amount = amount * 2",
            "DELETE FROM postings",
            "UPDATE journal_entries SET cause_id = 'x'",
            "DELETE FROM journal_entries",
            "TRUNCATE postings",
        ):
            with pytest.raises(psycopg.errors.RestrictViolation):
                conn.execute(statement.encode())
    assert_conserved(database_url)


def test_an_unbalanced_entry_is_refused(database_url: str, new_user: UserFactory) -> None:
    alice = new_user()
    with psycopg.connect(database_url) as conn, pytest.raises(psycopg.errors.IntegrityConstraintViolation):
        entry = _entry(conn, "unbalanced")
        conn.execute(
            "INSERT INTO postings (entry_id, account_id, asset, bucket, amount)"
            " VALUES (%s, 'external:deposits', 'BTC', 'available', -5), (%s, %s, 'BTC', 'available', 4)",
            (entry, entry, f"user:{alice}"),
        )
    assert_conserved(database_url)


def test_a_user_balance_cannot_go_negative_even_through_raw_sql(
    database_url: str, new_user: UserFactory
) -> None:
    alice = new_user(BTC="1")
    with psycopg.connect(database_url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        entry = _entry(conn, "overdraft")
        conn.execute(
            "INSERT INTO postings (entry_id, account_id, asset, bucket, amount)"
            " VALUES (%s, %s, 'BTC', 'available', -200000000),"
            " (%s, 'external:withdrawals', 'BTC', 'available', 200000000)",
            (entry, f"user:{alice}", entry),
        )
    assert_conserved(database_url)


def test_migrations_build_the_ledger_from_an_empty_database() -> None:
    name = create_database("castle_ledger_empty")
    try:
        url = url_for(name)
        assert "0001_ledger" in migrate(url)
        with psycopg.connect(url) as conn:
            accounts = [row[0] for row in conn.execute("SELECT account_id FROM accounts ORDER BY 1")]
        assert accounts == ["external:deposits", "external:withdrawals", "fee"]
        assert_conserved(url)
    finally:
        drop_database(name)
