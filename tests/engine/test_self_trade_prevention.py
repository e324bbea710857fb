"""STP: the taker's mode decides (Binance semantics)."""

from castle_engine import (
    BUY,
    EXPIRED_IN_MATCH,
    FILLED,
    SELL,
    STP_DECREMENT,
    STP_EXPIRE_BOTH,
    STP_EXPIRE_MAKER,
    STP_EXPIRE_TAKER,
    STP_NONE,
    OrderDone,
    Trade,
)
from tests.engine.harness import SYMBOL, limit, new_engine, of_type


def test_stp_none_lets_a_user_trade_with_itself() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", BUY, 10, 1))
    engine.submit(SYMBOL, limit(2, "me", SELL, 10, 1, stp=STP_NONE))

    assert len(of_type(engine.drain(), Trade)) == 1


def test_expire_maker_expires_own_resting_orders_and_keeps_matching_others() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", BUY, 12, 5))
    engine.submit(SYMBOL, limit(2, "other", BUY, 11, 5))
    engine.drain()

    engine.submit(SYMBOL, limit(3, "me", SELL, 10, 3, stp=STP_EXPIRE_MAKER))

    events = engine.drain()
    done = of_type(events, OrderDone)
    assert (done[0].order_id, done[0].status) == (1, EXPIRED_IN_MATCH)
    assert [(t.maker_order_id, t.quantity) for t in of_type(events, Trade)] == [(2, 3)]
    assert (done[-1].order_id, done[-1].status) == (3, FILLED)


def test_expire_taker_expires_the_incoming_order_and_leaves_the_book() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "other", BUY, 12, 1))
    engine.submit(SYMBOL, limit(2, "me", BUY, 11, 5))
    engine.drain()

    engine.submit(SYMBOL, limit(3, "me", SELL, 10, 3, stp=STP_EXPIRE_TAKER))

    events = engine.drain()
    assert [t.maker_order_id for t in of_type(events, Trade)] == [1]
    [taker_done] = [d for d in of_type(events, OrderDone) if d.order_id == 3]
    assert (taker_done.status, taker_done.executed_quantity) == (EXPIRED_IN_MATCH, 1)
    assert [o.order_id for o in engine.open_orders(SYMBOL)] == [2]


def test_expire_both_expires_the_maker_and_the_taker() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", BUY, 11, 5))
    engine.drain()

    engine.submit(SYMBOL, limit(2, "me", SELL, 10, 3, stp=STP_EXPIRE_BOTH))

    done = of_type(engine.drain(), OrderDone)
    assert [(d.order_id, d.status) for d in done] == [(1, EXPIRED_IN_MATCH), (2, EXPIRED_IN_MATCH)]
    assert engine.open_orders(SYMBOL) == []


def test_decrement_expires_the_smaller_order_and_reduces_the_larger() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", BUY, 2, 6))
    engine.drain()

    engine.submit(SYMBOL, limit(2, "me", SELL, 2, 2, stp=STP_DECREMENT))

    done = of_type(engine.drain(), OrderDone)
    assert [(d.order_id, d.status) for d in done] == [(2, EXPIRED_IN_MATCH)]
    [maker] = engine.open_orders(SYMBOL)
    assert (maker.remaining, maker.prevented, maker.executed) == (4, 2, 0)
    assert engine.depth_snapshot(SYMBOL, 5)[1] == [(2, 4)]


def test_decrement_with_equal_quantities_expires_both() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", BUY, 2, 2))
    engine.drain()

    engine.submit(SYMBOL, limit(2, "me", SELL, 2, 2, stp=STP_DECREMENT))

    done = of_type(engine.drain(), OrderDone)
    assert [(d.order_id, d.status) for d in done] == [(1, EXPIRED_IN_MATCH), (2, EXPIRED_IN_MATCH)]
