"""Many threads on one account: the database, not Python, keeps it from being overdrawn."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.errors import InsufficientBalanceError
from castle.ledger.models import OrderRecord, OrderRequest
from tests.functional.ledger.conftest import UserFactory
from tests.support.conservation import assert_conserved

THREADS = 8


def _buy(user: str, client_id: str) -> OrderRequest:
    # Holds 10 USDT + 0.01 max fee.
    return OrderRequest(
        user_id=user, symbol="BTCUSDT", side="BUY", order_type="LIMIT", client_order_id=client_id,
        created_at_ms=1, time_in_force="GTC", price=Decimal("10"), quantity=Decimal("1"),
    )  # fmt: skip


def test_concurrent_holds_never_overdraw_the_account(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="100.1")  # room for exactly ten holds of 10.01

    def place(n: int) -> OrderRecord | None:
        try:
            return ledger.reserve_order(_buy(alice, f"c{n}"))
        except InsufficientBalanceError:
            return None

    with ThreadPoolExecutor(THREADS) as pool:
        placed = [order for order in pool.map(place, range(40)) if order is not None]
    assert len(placed) == 10
    [usdt] = [b for b in ledger.balances(alice) if b.asset == "USDT"]
    assert (usdt.free_minor, usdt.locked_minor) == (0, 100_10_000_000)
    assert_conserved(database_url)


def test_concurrent_retries_of_one_request_hold_once(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="1000")
    with ThreadPoolExecutor(THREADS) as pool:
        orders = list(pool.map(lambda _: ledger.reserve_order(_buy(alice, "same")), range(16)))
    assert len({order.order_id for order in orders}) == 1
    [usdt] = [b for b in ledger.balances(alice) if b.asset == "USDT"]
    assert usdt.locked_minor == 10_01_000_000
    assert_conserved(database_url)


def test_concurrent_releases_of_one_order_release_once(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="1000")
    orders = [ledger.reserve_order(_buy(alice, f"r{n}")) for n in range(4)]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda n: ledger.release_order(orders[n % 4].order_id, "QUEUE_UNAVAILABLE"), range(32)))
    [usdt] = [b for b in ledger.balances(alice) if b.asset == "USDT"]
    assert (usdt.free_minor, usdt.locked_minor) == (1000 * 10**8, 0)
    assert_conserved(database_url)
