"""Stop orders, OCO order lists, cancel-replace priority and depth update ids."""

from castle_engine import (
    BUY,
    CANCELED,
    EXPIRED,
    FILLED,
    LIMIT,
    LIMIT_MAKER,
    SELL,
    STOP_LOSS_LIMIT,
    TAKE_PROFIT_LIMIT,
    CancelRejected,
    DepthUpdate,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    OrderTriggered,
    Trade,
    codes,
)
from tests.engine.harness import SYMBOL, limit, new_engine, of_type


def trade_at(engine: object, price: int, first_id: int) -> None:
    """Make the last trade price `price` with a 1-lot trade between two bystanders."""
    from castle_engine import Engine

    assert isinstance(engine, Engine)
    engine.submit(SYMBOL, limit(first_id, "x", SELL, price, 1))
    engine.submit(SYMBOL, limit(first_id + 1, "y", BUY, price, 1))


def test_sell_stop_loss_triggers_when_the_last_price_falls_to_its_stop() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "bidder", BUY, 95, 10))
    trade_at(engine, 100, 10)
    engine.submit(SYMBOL, limit(2, "me", SELL, 94, 3, order_type=STOP_LOSS_LIMIT, stop_price=97))
    engine.drain()

    trade_at(engine, 96, 20)

    events = engine.drain()
    [triggered] = of_type(events, OrderTriggered)
    assert triggered.order_id == 2
    assert [(t.maker_order_id, t.taker_order_id, t.price) for t in of_type(events, Trade)][-1] == (1, 2, 95)
    assert of_type(events, OrderDone)[-1].order_id == 2


def test_stop_order_waits_while_the_price_has_not_reached_it() -> None:
    engine = new_engine()
    trade_at(engine, 100, 10)
    engine.submit(SYMBOL, limit(2, "me", BUY, 120, 3, order_type=STOP_LOSS_LIMIT, stop_price=110))
    trade_at(engine, 105, 20)

    assert not of_type(engine.drain(), OrderTriggered)
    assert [o.order_id for o in engine.open_orders(SYMBOL)] == [2]


def test_stop_that_would_trigger_immediately_is_rejected() -> None:
    engine = new_engine()
    trade_at(engine, 100, 10)
    engine.drain()

    engine.submit(SYMBOL, limit(2, "me", SELL, 90, 1, order_type=TAKE_PROFIT_LIMIT, stop_price=95))

    [rejected] = engine.drain()
    assert isinstance(rejected, OrderRejected)
    assert rejected.reason == codes.STOP_WOULD_TRIGGER_IMMEDIATELY


def place_sell_oco(engine: object) -> None:
    from castle_engine import Engine

    assert isinstance(engine, Engine)
    engine.submit_oco(
        SYMBOL,
        77,
        limit(1, "me", SELL, 110, 2, order_type=LIMIT_MAKER),
        limit(2, "me", SELL, 89, 2, order_type=STOP_LOSS_LIMIT, stop_price=90),
    )


def test_oco_places_both_legs_under_one_list_id() -> None:
    engine = new_engine()
    trade_at(engine, 100, 10)
    engine.drain()

    place_sell_oco(engine)

    accepted = of_type(engine.drain(), OrderAccepted)
    assert [(a.order_id, a.order_list_id) for a in accepted] == [(1, 77), (2, 77)]
    assert engine.depth_snapshot(SYMBOL, 5)[2] == [(110, 2)]


def test_oco_limit_leg_fill_expires_the_stop_leg() -> None:
    engine = new_engine()
    trade_at(engine, 100, 10)
    place_sell_oco(engine)
    engine.drain()

    engine.submit(SYMBOL, limit(3, "buyer", BUY, 110, 1))

    done = of_type(engine.drain(), OrderDone)
    assert [(d.order_id, d.status, d.reason) for d in done] == [
        (2, EXPIRED, codes.REASON_OCO),
        (3, FILLED, ""),
    ]
    assert [o.order_id for o in engine.open_orders(SYMBOL)] == [1]


def test_oco_stop_leg_trigger_expires_the_limit_leg() -> None:
    engine = new_engine()
    trade_at(engine, 100, 10)
    place_sell_oco(engine)
    engine.drain()

    trade_at(engine, 90, 20)

    events = engine.drain()
    assert [t.order_id for t in of_type(events, OrderTriggered)] == [2]
    assert (1, EXPIRED) in [(d.order_id, d.status) for d in of_type(events, OrderDone)]
    assert engine.depth_snapshot(SYMBOL, 5)[2] == [(89, 2)]  # the triggered stop leg now rests


def test_cancelling_one_oco_leg_cancels_the_whole_list() -> None:
    engine = new_engine()
    trade_at(engine, 100, 10)
    place_sell_oco(engine)
    engine.drain()

    engine.cancel(SYMBOL, 2, "me")

    done = of_type(engine.drain(), OrderDone)
    assert [(d.order_id, d.status) for d in done] == [(2, CANCELED), (1, CANCELED)]
    assert engine.open_orders(SYMBOL) == []


def test_oco_with_mismatched_legs_is_rejected_as_a_whole() -> None:
    engine = new_engine()

    engine.submit_oco(
        SYMBOL,
        1,
        limit(1, "me", SELL, 110, 2, order_type=LIMIT),
        limit(2, "me", SELL, 89, 2, order_type=STOP_LOSS_LIMIT, stop_price=90),
    )

    assert [(e.order_id, e.reason) for e in of_type(engine.drain(), OrderRejected)] == [
        (1, codes.BAD_ORDER),
        (2, codes.BAD_ORDER),
    ]


def test_cancel_replace_reducing_quantity_at_the_same_price_keeps_time_priority() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", SELL, 100, 5))
    engine.submit(SYMBOL, limit(2, "other", SELL, 100, 5))
    engine.drain()

    engine.cancel_replace(SYMBOL, 1, limit(3, "me", SELL, 100, 2))
    engine.submit(SYMBOL, limit(4, "buyer", BUY, 100, 1))

    events = engine.drain()
    assert (1, CANCELED, codes.REASON_REPLACED) in [
        (d.order_id, d.status, d.reason) for d in of_type(events, OrderDone)
    ]
    assert [t.maker_order_id for t in of_type(events, Trade)] == [3]
    assert engine.depth_snapshot(SYMBOL, 5)[2] == [(100, 6)]


def test_cancel_replace_changing_the_price_loses_time_priority() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", SELL, 101, 5))
    engine.submit(SYMBOL, limit(2, "other", SELL, 100, 5))
    engine.drain()

    engine.cancel_replace(SYMBOL, 1, limit(3, "me", SELL, 100, 5))
    engine.submit(SYMBOL, limit(4, "buyer", BUY, 100, 6))

    assert [t.maker_order_id for t in of_type(engine.drain(), Trade)] == [2, 3]


def test_cancel_replace_increasing_quantity_loses_time_priority() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "me", SELL, 100, 2))
    engine.submit(SYMBOL, limit(2, "other", SELL, 100, 2))
    engine.drain()

    engine.cancel_replace(SYMBOL, 1, limit(3, "me", SELL, 100, 3))
    engine.submit(SYMBOL, limit(4, "buyer", BUY, 100, 1))

    assert [t.maker_order_id for t in of_type(engine.drain(), Trade)] == [2]


def test_cancel_replace_of_an_unknown_order_rejects_both_parts() -> None:
    engine = new_engine()

    engine.cancel_replace(SYMBOL, 1, limit(2, "me", SELL, 100, 2))

    cancel_rejected, rejected = engine.drain()
    assert isinstance(cancel_rejected, CancelRejected)
    assert isinstance(rejected, OrderRejected)
    assert rejected.reason == codes.CANCEL_REPLACE_CANCEL_FAILED


def test_depth_updates_have_contiguous_update_ids_matching_the_snapshot() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "a", SELL, 101, 1))
    engine.submit(SYMBOL, limit(2, "b", SELL, 102, 1))
    engine.submit(SYMBOL, limit(3, "c", BUY, 102, 3))

    depth = of_type(engine.drain(), DepthUpdate)
    assert [(d.first_update_id, d.last_update_id) for d in depth] == [(1, 1), (2, 2), (3, 5)]
    assert engine.depth_snapshot(SYMBOL, 5) == (5, [(102, 1)], [])


def test_every_event_of_a_symbol_has_the_next_sequence_number() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "a", SELL, 101, 1))
    engine.submit(SYMBOL, limit(2, "b", BUY, 101, 2, order_type=LIMIT))
    engine.cancel(SYMBOL, 2, "b")
    engine.cancel(SYMBOL, 2, "b")

    events = engine.drain()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert of_type(events, OrderDone)[0].status == FILLED
