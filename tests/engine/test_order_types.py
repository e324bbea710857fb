"""Readable examples of each order type and time in force."""

from castle_engine import (
    BUY,
    CANCELED,
    EXPIRED,
    FILLED,
    FOK,
    IOC,
    LIMIT_MAKER,
    SELL,
    DepthUpdate,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    Trade,
    codes,
)
from tests.engine.harness import SYMBOL, limit, market, new_engine, of_type


def test_crossing_limit_order_trades_at_the_makers_price_and_rests_its_remainder() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "maker", SELL, 100, 3))
    engine.drain()

    engine.submit(SYMBOL, limit(2, "taker", BUY, 105, 5))
    events = engine.drain()

    [trade] = of_type(events, Trade)
    assert (trade.price, trade.quantity, trade.quote_quantity) == (100, 3, 300)
    assert (trade.maker_order_id, trade.taker_order_id, trade.taker_side) == (1, 2, BUY)
    assert (trade.maker_user_id, trade.taker_user_id) == ("maker", "taker")
    [maker_done] = of_type(events, OrderDone)
    assert (maker_done.order_id, maker_done.status, maker_done.executed_quantity) == (1, FILLED, 3)
    assert engine.depth_snapshot(SYMBOL, 10)[1:] == ([(105, 2)], [])


def test_orders_at_one_price_fill_in_arrival_order() -> None:
    engine = new_engine()
    for order_id in (1, 2, 3):
        engine.submit(SYMBOL, limit(order_id, f"m{order_id}", SELL, 100, 2))
    engine.drain()

    engine.submit(SYMBOL, limit(9, "t", BUY, 100, 3))

    assert [t.maker_order_id for t in of_type(engine.drain(), Trade)] == [1, 2]
    assert [(o.order_id, o.remaining) for o in engine.open_orders(SYMBOL)] == [(2, 1), (3, 2)]


def test_better_priced_orders_fill_before_older_worse_priced_ones() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "a", SELL, 101, 1))
    engine.submit(SYMBOL, limit(2, "b", SELL, 100, 1))
    engine.drain()

    engine.submit(SYMBOL, limit(3, "t", BUY, 101, 2))

    assert [(t.maker_order_id, t.price) for t in of_type(engine.drain(), Trade)] == [(2, 100), (1, 101)]


def test_ioc_order_expires_its_unfilled_remainder_instead_of_resting() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 2))
    engine.drain()

    engine.submit(SYMBOL, limit(2, "t", BUY, 100, 5, tif=IOC))

    done = of_type(engine.drain(), OrderDone)
    assert [(d.order_id, d.status, d.executed_quantity) for d in done] == [(1, FILLED, 2), (2, EXPIRED, 2)]
    assert engine.open_orders(SYMBOL) == []


def test_fok_order_that_cannot_fill_completely_is_rejected_without_trades() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 2))
    engine.drain()

    engine.submit(SYMBOL, limit(2, "t", BUY, 100, 3, tif=FOK))

    [rejected] = engine.drain()
    assert isinstance(rejected, OrderRejected)
    assert rejected.reason == codes.FOK_NOT_FILLABLE
    assert engine.open_orders(SYMBOL)[0].remaining == 2


def test_fok_order_that_can_fill_completely_fills() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 2))
    engine.submit(SYMBOL, limit(2, "m", SELL, 101, 2))
    engine.drain()

    engine.submit(SYMBOL, limit(3, "t", BUY, 101, 3, tif=FOK))

    assert of_type(engine.drain(), OrderDone)[-1].status == FILLED


def test_post_only_order_that_would_take_is_rejected() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 2))
    engine.drain()

    engine.submit(SYMBOL, limit(2, "t", BUY, 100, 1, order_type=LIMIT_MAKER))

    [rejected] = engine.drain()
    assert isinstance(rejected, OrderRejected)
    assert rejected.reason == codes.POST_ONLY_WOULD_TAKE


def test_post_only_order_that_does_not_cross_rests() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 2))
    engine.submit(SYMBOL, limit(2, "t", BUY, 99, 1, order_type=LIMIT_MAKER))

    assert engine.depth_snapshot(SYMBOL, 5)[1:] == ([(99, 1)], [(100, 2)])


def test_market_buy_by_quantity_sweeps_levels_and_expires_what_the_book_cannot_fill() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 2))
    engine.submit(SYMBOL, limit(2, "m", SELL, 102, 2))
    engine.drain()

    engine.submit(SYMBOL, market(3, "t", BUY, qty=5))

    events = engine.drain()
    assert [(t.price, t.quantity) for t in of_type(events, Trade)] == [(100, 2), (102, 2)]
    taker_done = of_type(events, OrderDone)[-1]
    assert (taker_done.status, taker_done.executed_quantity, taker_done.cumulative_quote_quantity) == (
        EXPIRED,
        4,
        404,
    )


def test_market_buy_by_quote_amount_spends_at_most_its_budget() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 5))
    engine.drain()

    engine.submit(SYMBOL, market(2, "t", BUY, quote=350))

    events = engine.drain()
    [trade] = of_type(events, Trade)
    assert (trade.quantity, trade.quote_quantity) == (3, 300)
    assert of_type(events, OrderDone)[-1].status == FILLED


def test_market_buy_with_quantity_and_budget_cap_stops_at_whichever_comes_first() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 10))
    engine.drain()

    engine.submit(SYMBOL, market(2, "t", BUY, qty=8, quote=450))
    capped = of_type(engine.drain(), OrderDone)[-1]
    engine.submit(SYMBOL, market(3, "t", BUY, qty=2, quote=1000))
    by_quantity = of_type(engine.drain(), OrderDone)[-1]

    assert (capped.executed_quantity, capped.cumulative_quote_quantity, capped.status) == (4, 400, EXPIRED)
    assert (by_quantity.executed_quantity, by_quantity.status) == (2, FILLED)


def test_market_order_on_an_empty_book_is_accepted_then_expires() -> None:
    engine = new_engine()

    engine.submit(SYMBOL, market(1, "t", SELL, qty=1))

    accepted, done = engine.drain()
    assert isinstance(accepted, OrderAccepted)
    assert isinstance(done, OrderDone)
    assert (done.status, done.executed_quantity) == (EXPIRED, 0)


def test_cancel_removes_the_order_and_reports_its_executed_quantity() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "m", SELL, 100, 5))
    engine.submit(SYMBOL, limit(2, "t", BUY, 100, 2))
    engine.drain()

    engine.cancel(SYMBOL, 1, "m")

    done, depth = engine.drain()
    assert isinstance(done, OrderDone)
    assert (done.status, done.executed_quantity, done.cumulative_quote_quantity) == (CANCELED, 2, 200)
    assert isinstance(depth, DepthUpdate)
    assert depth.asks == [(100, 0)]
