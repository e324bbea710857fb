import pytest

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.errors import InsufficientBalanceError
from castle.ledger.models import Balance
from tests.functional.ledger.conftest import UserFactory
from tests.support.conservation import assert_conserved


def _btc(ledger: PostgresLedger, user: str) -> Balance:
    return next(b for b in ledger.balances(user) if b.asset == "BTC")


def test_a_deposit_is_credited_only_once_it_has_enough_confirmations(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user()
    pending = ledger.record_deposit(f"tx-{alice}", alice, "BTC", 10**8, confirmations=1)
    assert (pending.status, _btc(ledger, alice).free_minor) == ("PENDING", 0)
    credited = ledger.record_deposit(f"tx-{alice}", alice, "BTC", 10**8, confirmations=2)
    assert (credited.status, _btc(ledger, alice).free_minor) == ("CREDITED", 10**8)
    assert_conserved(database_url)


def test_a_deposit_seen_again_is_credited_once(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user()
    for confirmations in (2, 3, 6, 1):
        ledger.record_deposit(f"tx-{alice}", alice, "BTC", 10**8, confirmations)
    ledger.credit_deposit(f"tx-{alice}", alice, "BTC", 10**8)
    assert _btc(ledger, alice).free_minor == 10**8
    assert_conserved(database_url)


def test_a_withdrawal_hold_settles_once_sending_the_fee_to_the_fee_account(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(BTC="1")
    ledger.hold_withdrawal(f"w-{alice}", alice, "BTC", 60_000_000)
    ledger.hold_withdrawal(f"w-{alice}", alice, "BTC", 60_000_000)
    assert _btc(ledger, alice) == Balance("BTC", 40_000_000, 60_000_000)
    settled = ledger.settle_withdrawal(f"w-{alice}", fee_minor=50_000)
    again = ledger.settle_withdrawal(f"w-{alice}", fee_minor=50_000)
    released = ledger.release_withdrawal(f"w-{alice}")
    assert (settled.status, again.status, released.status) == ("SETTLED", "SETTLED", "SETTLED")
    assert _btc(ledger, alice) == Balance("BTC", 40_000_000, 0)
    assert_conserved(database_url)


def test_a_released_withdrawal_gives_the_funds_back_once(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(BTC="1")
    ledger.hold_withdrawal(f"w-{alice}", alice, "BTC", 10**8)
    ledger.release_withdrawal(f"w-{alice}")
    ledger.release_withdrawal(f"w-{alice}")
    assert ledger.settle_withdrawal(f"w-{alice}", 0).status == "RELEASED"
    assert _btc(ledger, alice) == Balance("BTC", 10**8, 0)
    assert_conserved(database_url)


def test_a_withdrawal_larger_than_the_balance_is_refused(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(BTC="1")
    with pytest.raises(InsufficientBalanceError):
        ledger.hold_withdrawal(f"w-{alice}", alice, "BTC", 10**8 + 1)
    assert _btc(ledger, alice) == Balance("BTC", 10**8, 0)
    assert_conserved(database_url)
