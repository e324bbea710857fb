"""Settlement end to end: engine events in the engine's wire format, through the Kinesis handler."""

from decimal import Decimal
from typing import Any

from settlement.consume import handler

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.contracts.commands import Side
from castle.ledger.models import Balance, OrderRecord, OrderRequest
from tests.functional.ledger.conftest import UserFactory
from tests.support.conservation import assert_conserved
from tests.support.engine_tape import EngineTape, kinesis_event
from tests.support.lambda_context import FakeLambdaContext


def _place(
    ledger: PostgresLedger, user: str, side: Side, price: str, qty: str, symbol: str = "BTCUSDT"
) -> OrderRecord:
    return ledger.reserve_order(
        OrderRequest(
            user_id=user,
            symbol=symbol,
            side=side,
            order_type="LIMIT",
            client_order_id=f"{side}-{price}-{qty}",
            created_at_ms=1_700_000_000_000,
            time_in_force="GTC",
            price=Decimal(price),
            quantity=Decimal(qty),
        )
    )


def _settle(event: dict[str, Any]) -> list[str]:
    response = handler(event, FakeLambdaContext())
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def _balance(ledger: PostgresLedger, user: str, asset: str) -> Balance:
    return next(b for b in ledger.balances(user) if b.asset == asset)


def test_a_trade_settles_both_sides_with_fees_into_the_fee_account(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice, bob = new_user(USDT="1000"), new_user(BTC="1")
    sell = _place(ledger, bob, "SELL", "100", "1")
    buy = _place(ledger, alice, "BUY", "100", "1")
    tape = EngineTape("BTCUSDT")
    events = [
        tape.accepted(sell),
        tape.accepted(buy),
        tape.trade(sell, buy, "100", "1"),
        tape.done(buy, "FILLED", "1", "100"),
        tape.done(sell, "FILLED", "1", "100"),
    ]
    assert _settle(kinesis_event(events)) == []
    assert _balance(ledger, alice, "BTC") == Balance("BTC", 10**8, 0)
    assert _balance(ledger, alice, "USDT") == Balance("USDT", 899_90_000_000, 0)
    assert _balance(ledger, bob, "USDT") == Balance("USDT", 99_90_000_000, 0)
    assert _balance(ledger, bob, "BTC") == Balance("BTC", 0, 0)
    [trade] = ledger.user_trades(alice, "BTCUSDT")
    assert trade.as_binance() | {"time": 0, "id": 0} == {
        "symbol": "BTCUSDT", "id": 0, "orderId": buy.order_id, "orderListId": -1, "price": "100.00000000",
        "qty": "1.00000000", "quoteQty": "100.00000000", "commission": "0.10000000",
        "commissionAsset": "USDT", "time": 0, "isBuyer": True, "isMaker": False, "isBestMatch": True,
    }  # fmt: skip
    filled = ledger.get_order(alice, "BTCUSDT", order_id=buy.order_id)
    assert filled is not None and filled.status == "FILLED" and filled.cumulative_quote_minor == 100 * 10**8
    assert_conserved(database_url)


def test_a_fill_better_than_the_buy_limit_leaves_a_remainder_released_when_the_order_is_done(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice, bob = new_user(USDT="1000"), new_user(BTC="1")
    sell = _place(ledger, bob, "SELL", "90", "1")
    buy = _place(ledger, alice, "BUY", "100", "1")
    tape = EngineTape("BTCUSDT")
    _settle(kinesis_event([tape.accepted(sell), tape.accepted(buy), tape.trade(sell, buy, "90", "1")]))
    assert _balance(ledger, alice, "USDT").locked_minor == 100_10_000_000 - 90_09_000_000
    _settle(kinesis_event([tape.done(buy, "FILLED", "1", "90"), tape.done(sell, "FILLED", "1", "90")], 10))
    assert _balance(ledger, alice, "USDT") == Balance("USDT", 909_91_000_000, 0)
    assert_conserved(database_url)


def test_a_redelivered_batch_changes_nothing(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice, bob = new_user(USDT="1000"), new_user(BTC="1")
    sell = _place(ledger, bob, "SELL", "100", "0.5")
    buy = _place(ledger, alice, "BUY", "100", "1")
    tape = EngineTape("BTCUSDT")
    batch = kinesis_event([tape.trade(sell, buy, "100", "0.5"), tape.done(sell, "FILLED", "0.5", "50")])
    _settle(batch)
    before = ledger.balances(alice), ledger.balances(bob), ledger.user_trades(alice, "BTCUSDT")
    assert _settle(batch) == []
    assert (ledger.balances(alice), ledger.balances(bob), ledger.user_trades(alice, "BTCUSDT")) == before
    assert_conserved(database_url)


def test_a_poison_record_fails_alone_with_the_later_events_of_its_symbol(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice, bob = new_user(USDT="1000", ETH="1"), new_user(BTC="1")
    sell = _place(ledger, bob, "SELL", "100", "1")
    buy = _place(ledger, alice, "BUY", "100", "1")
    eth_sell = _place(ledger, alice, "SELL", "10", "1", symbol="ETHUSDT")
    btc, eth = EngineTape("BTCUSDT"), EngineTape("ETHUSDT")
    events = [
        btc.accepted(sell),
        btc.trade(sell, buy, "100", "2"),  # more than either hold: the ledger cannot settle it
        eth.done(eth_sell, "CANCELED"),
        btc.done(buy, "CANCELED"),
        b"{nope",
    ]
    failed = _settle(kinesis_event(events))
    assert failed == [f"{n:056d}" for n in (2, 4, 5)]
    assert _balance(ledger, alice, "ETH") == Balance("ETH", 10**8, 0)  # the other symbol went on
    assert _balance(ledger, alice, "USDT").locked_minor == buy.hold_minor  # nothing after the poison
    accepted = ledger.get_order(bob, "BTCUSDT", order_id=sell.order_id)
    assert accepted is not None and accepted.status == "NEW"
    assert_conserved(database_url)


def test_a_rejected_order_gets_its_hold_back_unless_the_rejection_is_a_duplicate(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice = new_user(USDT="1000")
    buy = _place(ledger, alice, "BUY", "100", "1")
    tape = EngineTape("BTCUSDT")
    _settle(kinesis_event([tape.rejected(buy, "DUPLICATE_ORDER_ID")]))
    assert _balance(ledger, alice, "USDT").locked_minor == buy.hold_minor
    _settle(kinesis_event([tape.rejected(buy, "INSUFFICIENT_LIQUIDITY")], 2))
    assert _balance(ledger, alice, "USDT") == Balance("USDT", 1000 * 10**8, 0)
    rejected = ledger.get_order(alice, "BTCUSDT", order_id=buy.order_id)
    assert rejected is not None and rejected.status == "REJECTED"
    assert_conserved(database_url)


def test_a_partially_filled_order_canceled_releases_the_rest_and_keeps_its_fills(
    ledger: PostgresLedger, new_user: UserFactory, database_url: str
) -> None:
    alice, bob = new_user(USDT="1000"), new_user(BTC="1")
    sell = _place(ledger, bob, "SELL", "100", "1")
    buy = _place(ledger, alice, "BUY", "100", "0.4")
    tape = EngineTape("BTCUSDT")
    events = [
        tape.accepted(sell),
        tape.accepted(buy),
        tape.trade(sell, buy, "100", "0.4"),
        tape.done(buy, "FILLED", "0.4", "40"),
        tape.done(sell, "CANCELED", "0.4", "40"),
    ]
    _settle(kinesis_event(events))
    assert _balance(ledger, bob, "BTC") == Balance("BTC", 60_000_000, 0)
    assert _balance(ledger, bob, "USDT") == Balance("USDT", 39_96_000_000, 0)
    canceled = ledger.get_order(bob, "BTCUSDT", order_id=sell.order_id)
    assert canceled is not None
    assert (canceled.status, canceled.executed_quantity_minor) == ("CANCELED", 40_000_000)
    assert ledger.open_orders(bob) == []
    assert_conserved(database_url)


def test_a_triggered_stop_order_becomes_working(ledger: PostgresLedger, new_user: UserFactory) -> None:
    alice = new_user(USDT="1000")
    stop = ledger.reserve_order(
        OrderRequest(
            user_id=alice, symbol="BTCUSDT", side="BUY", order_type="STOP_LOSS_LIMIT", client_order_id="stop",
            created_at_ms=1, time_in_force="GTC", price=Decimal("100"), quantity=Decimal("1"),
            stop_price=Decimal("99"),
        )
    )  # fmt: skip
    tape = EngineTape("BTCUSDT")
    _settle(kinesis_event([tape.accepted(stop)]))
    waiting = ledger.get_order(alice, "BTCUSDT", order_id=stop.order_id)
    assert waiting is not None and not waiting.as_binance()["isWorking"]
    _settle(kinesis_event([tape.triggered(stop)], 2))
    working = ledger.get_order(alice, "BTCUSDT", order_id=stop.order_id)
    assert working is not None and working.as_binance()["isWorking"]
