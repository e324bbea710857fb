"""Engine.recycle: events handed back after use are refilled for later events instead of new ones
being allocated. Recycling must never change what the events say."""

import hashlib

from castle_engine import BUY, FILLED, SELL, DepthUpdate, OrderAccepted, OrderDone, Trade
from tests.engine.harness import SYMBOL, limit, market, new_engine, of_type
from tests.engine.test_determinism_and_snapshots import GOLDEN_EVENTS_SHA256, WORKLOAD, fresh


def test_recycling_each_command_s_events_leaves_the_event_stream_unchanged() -> None:
    engine = new_engine()
    lines: list[str] = []
    for command in WORKLOAD:
        _, payload, user = fresh(command)
        if isinstance(payload, int):
            engine.cancel(SYMBOL, payload, user)
        else:
            engine.submit(SYMBOL, payload)
        events = engine.drain()
        lines.extend(event.line() for event in events)
        engine.recycle(events)

    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == GOLDEN_EVENTS_SHA256


def test_recycled_events_are_reused_for_the_next_events_of_their_kind() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "maker", SELL, 100, 5))
    engine.submit(SYMBOL, limit(2, "taker", BUY, 100, 2))
    first = engine.drain()
    engine.recycle(first)

    engine.submit(SYMBOL, limit(3, "taker", BUY, 100, 3))
    second = engine.drain()

    [trade] = of_type(second, Trade)
    assert any(trade is old for old in of_type(first, Trade))
    assert (trade.maker_order_id, trade.taker_order_id, trade.quantity) == (1, 3, 3)
    assert trade.taker_user_id == "taker"
    assert [(a.order_id, a.user_id) for a in of_type(second, OrderAccepted)] == [(3, "taker")]
    assert {(d.order_id, d.status, d.executed_quantity) for d in of_type(second, OrderDone)} == {
        (1, FILLED, 5),
        (3, FILLED, 3),
    }
    [depth] = of_type(second, DepthUpdate)
    assert (depth.bids, depth.asks) == ([], [(100, 0)])


def test_a_recycled_event_lets_go_of_its_order() -> None:
    engine = new_engine()
    order = limit(1, "u1", BUY, 100, 5)
    engine.submit(SYMBOL, order)
    events = engine.drain()
    [accepted] = of_type(events, OrderAccepted)

    engine.recycle(events)

    assert accepted.order is not order
    assert order.remaining == 5  # the resting order itself is untouched


def test_an_event_recycled_twice_is_reused_once() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u1", BUY, 100, 5))
    events = engine.drain()
    engine.recycle(events)
    engine.recycle(events)

    engine.submit(SYMBOL, limit(2, "u1", BUY, 99, 5))
    engine.submit(SYMBOL, limit(3, "u1", BUY, 98, 5))
    later = engine.drain()

    accepted = of_type(later, OrderAccepted)
    assert accepted[0] is not accepted[1]
    assert [a.order_id for a in accepted] == [2, 3]


def test_a_recycled_depth_update_of_many_levels_comes_back_as_a_single_level_update() -> None:
    engine = new_engine()
    for order_id, price in enumerate((101, 102, 103), start=1):
        engine.submit(SYMBOL, limit(order_id, "maker", SELL, price, 1))
    engine.drain()
    engine.submit(SYMBOL, market(4, "taker", BUY, qty=3))
    sweep = engine.drain()
    [wide] = of_type(sweep, DepthUpdate)
    assert wide.asks == [(101, 0), (102, 0), (103, 0)]
    engine.recycle(sweep)

    engine.submit(SYMBOL, limit(5, "maker", SELL, 110, 1))
    [narrow] = of_type(engine.drain(), DepthUpdate)

    assert narrow is wide
    assert (narrow.bids, narrow.asks) == ([], [(110, 1)])
