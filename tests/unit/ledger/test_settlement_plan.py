from decimal import Decimal

from castle.contracts.events import OrderDone, OrderRejected, Trade
from castle.ledger.settlement import OrderState, plan_settlement


def _order(order_id: int, side: str, hold_asset: str, hold: int, user: str = "u") -> OrderState:
    return OrderState(
        order_id=order_id,
        user_id=f"{user}{order_id}",
        symbol="BTCUSDT",
        side=side,
        order_type="LIMIT",
        order_list_id=None,
        status="NEW",
        executed_quantity=0,
        cumulative_quote=0,
        hold_asset=hold_asset,
        hold_remaining=hold,
        hold_open=True,
        working_time_ms=1,
        updated_at_ms=1,
    )


def _trade(seq: int, trade_id: int = 1, quantity: str = "1") -> Trade:
    q = Decimal(quantity)
    return Trade(
        symbol="BTCUSDT",
        seq=seq,
        trade_id=trade_id,
        price=Decimal("100"),
        quantity=q,
        quote_quantity=Decimal(100) * q,
        maker_order_id=2,
        taker_order_id=1,
        maker_user_id="u2",
        taker_user_id="u1",
        taker_side="BUY",
    )


def _book() -> dict[int, OrderState]:
    return {1: _order(1, "BUY", "USDT", 101 * 10**8), 2: _order(2, "SELL", "BTC", 2 * 10**8)}


def test_events_at_or_below_the_last_applied_seq_are_skipped() -> None:
    plan = plan_settlement([_trade(5)], _book(), {"BTCUSDT": 5})
    assert (plan.applied, plan.skipped, plan.entries) == (0, 1, [])


def test_a_fill_consumes_both_holds_and_moves_order_status() -> None:
    orders = _book()
    plan = plan_settlement([_trade(1)], orders, {})
    assert orders[1].hold_remaining == 101 * 10**8 - (100 * 10**8 + 10**8 // 10)
    assert orders[2].hold_remaining == 10**8
    assert orders[1].status == orders[2].status == "PARTIALLY_FILLED"
    assert plan.last_seq == {"BTCUSDT": 1}
    assert len(plan.trades) == 2


def test_a_fill_larger_than_the_hold_fails_and_blocks_the_later_events_of_its_symbol() -> None:
    orders = _book()
    done = OrderDone(
        symbol="BTCUSDT",
        seq=2,
        order_id=2,
        user_id="u2",
        status="CANCELED",
        executed_quantity=Decimal(0),
        cumulative_quote_quantity=Decimal(0),
    )
    plan = plan_settlement([_trade(1, quantity="3"), done], orders, {})
    assert plan.failed == {("BTCUSDT", 1), ("BTCUSDT", 2)}
    assert orders[2].hold_remaining == 2 * 10**8
    assert plan.entries == []


def test_a_duplicate_rejection_releases_nothing() -> None:
    orders = _book()
    rejected = OrderRejected(symbol="BTCUSDT", seq=1, order_id=1, user_id="u1", reason="DUPLICATE_ORDER_ID")
    plan = plan_settlement([rejected], orders, {})
    assert plan.entries == []
    assert orders[1].hold_open


def test_done_releases_whatever_the_fills_left_of_the_hold() -> None:
    orders = _book()
    done = OrderDone(
        symbol="BTCUSDT",
        seq=2,
        order_id=1,
        user_id="u1",
        status="FILLED",
        executed_quantity=Decimal(1),
        cumulative_quote_quantity=Decimal(100),
    )
    plan = plan_settlement([_trade(1), done], orders, {})
    release = plan.entries[-1]
    assert (release.cause_type, release.leg) == ("order", "release")
    assert sum(p.amount for p in release.postings if p.bucket == "available") == 101 * 10**8 - 100_10_000_000
    assert not orders[1].hold_open
    assert orders[1].status == "FILLED"
