from decimal import Decimal

import pytest

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.contracts.commands import Side
from castle.errors import DuplicateRequestError, InsufficientBalanceError
from castle.ledger.models import Balance, OrderRequest
from tests.functional.ledger.conftest import UserFactory
from tests.support.conservation import assert_conserved


def _limit(
    user: str, side: Side, price: str, qty: str, client_id: str = "c-1", symbol: str = "BTCUSDT"
) -> OrderRequest:
    return OrderRequest(
        user_id=user,
        symbol=symbol,
        side=side,
        order_type="LIMIT",
        client_order_id=client_id,
        created_at_ms=1_700_000_000_000,
        time_in_force="GTC",
        price=Decimal(price),
        quantity=Decimal(qty),
    )


def _balance(ledger: PostgresLedger, user: str, asset: str) -> Balance:
    return next(b for b in ledger.balances(user) if b.asset == asset)


def test_a_limit_buy_holds_its_notional_plus_the_maximum_fee(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="1000")
    order = ledger.reserve_order(_limit(alice, "BUY", "100", "2"))
    assert order.status == "PENDING_NEW"
    assert (order.hold_asset, order.hold_minor) == ("USDT", 200_20_000_000)
    assert _balance(ledger, alice, "USDT") == Balance("USDT", 799_80_000_000, 200_20_000_000)
    assert_conserved(database_url)


def test_a_sell_holds_its_base_quantity(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    bob = new_user(BTC="1")
    ledger.reserve_order(_limit(bob, "SELL", "100", "0.25"))
    assert _balance(ledger, bob, "BTC") == Balance("BTC", 75_000_000, 25_000_000)
    assert_conserved(database_url)


def test_order_ids_come_from_one_increasing_sequence(ledger: PostgresLedger, new_user: UserFactory) -> None:
    alice = new_user(USDT="1000")
    first = ledger.reserve_order(_limit(alice, "BUY", "1", "1", "a"))
    second = ledger.reserve_order(_limit(alice, "BUY", "1", "1", "b"))
    assert second.order_id > first.order_id


def test_an_order_the_funds_do_not_cover_is_refused_and_changes_nothing(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="100")
    with pytest.raises(InsufficientBalanceError):
        ledger.reserve_order(_limit(alice, "BUY", "100", "1"))
    assert _balance(ledger, alice, "USDT") == Balance("USDT", 100 * 10**8, 0)
    assert ledger.open_orders(alice) == []
    assert_conserved(database_url)


def test_a_user_without_an_account_has_insufficient_balance(ledger: PostgresLedger) -> None:
    with pytest.raises(InsufficientBalanceError):
        ledger.reserve_order(_limit("nobody-at-all", "BUY", "1", "1"))


def test_the_same_request_again_returns_the_same_order_without_a_second_hold(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="1000")
    first = ledger.reserve_order(_limit(alice, "BUY", "100", "1"))
    again = ledger.reserve_order(_limit(alice, "BUY", "100", "1"))
    assert again.order_id == first.order_id
    assert again.replayed and not first.replayed
    assert _balance(ledger, alice, "USDT").locked_minor == first.hold_minor
    assert_conserved(database_url)


def test_a_reused_client_order_id_for_a_different_order_is_a_duplicate(
    ledger: PostgresLedger, new_user: UserFactory
) -> None:
    alice = new_user(USDT="1000")
    ledger.reserve_order(_limit(alice, "BUY", "100", "1"))
    with pytest.raises(DuplicateRequestError):
        ledger.reserve_order(_limit(alice, "BUY", "101", "1"))


def test_a_market_buy_by_quantity_holds_all_available_quote_and_caps_the_engine_budget(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="1001")
    request = OrderRequest(
        user_id=alice,
        symbol="BTCUSDT",
        side="BUY",
        order_type="MARKET",
        client_order_id="m",
        created_at_ms=1,
        quantity=Decimal("1"),
    )
    order = ledger.reserve_order(request)
    assert order.hold_minor == 1001 * 10**8
    assert order.engine_quote_quantity == Decimal("1000")
    assert _balance(ledger, alice, "USDT") == Balance("USDT", 0, 1001 * 10**8)
    assert_conserved(database_url)


def test_releasing_an_order_that_never_reached_the_engine_returns_the_hold_once(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="1000")
    order = ledger.reserve_order(_limit(alice, "BUY", "100", "1"))
    released = ledger.release_order(order.order_id, "QUEUE_UNAVAILABLE")
    again = ledger.release_order(order.order_id, "QUEUE_UNAVAILABLE")
    assert released is not None and released.status == "REJECTED"
    assert again is not None and again.status == "REJECTED"
    assert _balance(ledger, alice, "USDT") == Balance("USDT", 1000 * 10**8, 0)
    assert_conserved(database_url)


def test_orders_are_found_by_id_or_client_id_and_listed_binance_style(
    ledger: PostgresLedger, new_user: UserFactory
) -> None:
    alice = new_user(USDT="1000")
    first = ledger.reserve_order(_limit(alice, "BUY", "100", "1", "x1"))
    second = ledger.reserve_order(_limit(alice, "BUY", "100", "1", "x2"))
    assert ledger.get_order(alice, "BTCUSDT", order_id=first.order_id) == first
    assert ledger.get_order(alice, "BTCUSDT", client_order_id="x2") == second
    assert ledger.get_order(alice, "ETHUSDT", order_id=first.order_id) is None
    assert [o.order_id for o in ledger.all_orders(alice, "BTCUSDT", order_id=second.order_id)] == [
        second.order_id
    ]
    assert [o.order_id for o in ledger.all_orders(alice, "BTCUSDT", limit=1)] == [second.order_id]
    assert first.as_binance()["status"] == "NEW"
