"""Every input gets exactly one outcome: the reject reasons."""

import pytest

from castle_engine import (
    BUY,
    CANCEL_ONLY,
    HALT,
    SELL,
    TRADING,
    CancelRejected,
    Event,
    Order,
    OrderRejected,
    codes,
)
from tests.engine.harness import SYMBOL, limit, market, new_engine


def only_rejection(events: list[Event]) -> str:
    [event] = events
    assert isinstance(event, OrderRejected)
    return event.reason


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (limit(1, "u", BUY, 0, 1), codes.BAD_TICK),
        (limit(1, "u", BUY, 100, 0), codes.BAD_LOT),
        (limit(1, "u", BUY, 10, 4), codes.MIN_NOTIONAL),
        (market(1, "u", BUY), codes.BAD_LOT),
        (market(1, "u", BUY, quote=10), codes.MIN_NOTIONAL),
        (Order(1, "u", side=7, price=100, quantity=1), codes.BAD_ORDER),
    ],
)
def test_invalid_order_is_rejected_with_its_reason(order: Order, reason: str) -> None:
    engine = new_engine(min_notional=50)

    engine.submit(SYMBOL, order)

    assert only_rejection(engine.drain()) == reason


def test_an_order_id_is_never_applied_twice() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u", BUY, 100, 1))
    engine.cancel(SYMBOL, 1, "u")
    engine.drain()

    engine.submit(SYMBOL, limit(1, "u", BUY, 100, 1))

    assert only_rejection(engine.drain()) == "DUPLICATE_ORDER_ID"


def test_a_rejected_order_id_redelivered_is_a_duplicate() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u", BUY, 0, 1))
    engine.submit(SYMBOL, limit(1, "u", BUY, 0, 1))

    assert [e.reason for e in engine.drain() if isinstance(e, OrderRejected)] == [
        "BAD_TICK",
        "DUPLICATE_ORDER_ID",
    ]


def test_client_order_id_must_be_unique_among_a_users_open_orders() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u", BUY, 100, 1, client_order_id="abc"))
    engine.submit(SYMBOL, limit(2, "other", BUY, 100, 1, client_order_id="abc"))
    engine.drain()

    engine.submit(SYMBOL, limit(3, "u", BUY, 100, 1, client_order_id="abc"))
    assert only_rejection(engine.drain()) == "DUPLICATE_CLIENT_ORDER_ID"

    engine.cancel(SYMBOL, 1, "u")
    engine.submit(SYMBOL, limit(4, "u", BUY, 100, 1, client_order_id="abc"))
    assert not [e for e in engine.drain() if isinstance(e, OrderRejected)]


def test_cancel_of_unknown_or_someone_elses_order_is_rejected() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "owner", BUY, 100, 1))
    engine.drain()

    engine.cancel(SYMBOL, 1, "intruder")
    engine.cancel(SYMBOL, 99, "owner")

    events = engine.drain()
    assert [(e.order_id, e.reason) for e in events if isinstance(e, CancelRejected)] == [
        (1, codes.UNKNOWN_ORDER),
        (99, codes.UNKNOWN_ORDER),
    ]
    assert len(engine.open_orders(SYMBOL)) == 1


def test_halted_symbol_rejects_new_orders_and_cancels() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u", BUY, 100, 1))
    engine.set_status(SYMBOL, HALT)
    engine.drain()

    engine.submit(SYMBOL, limit(2, "u", SELL, 100, 1))
    engine.cancel(SYMBOL, 1, "u")

    events = engine.drain()
    assert isinstance(events[0], OrderRejected)
    assert events[0].reason == codes.SYMBOL_NOT_TRADING
    assert isinstance(events[1], CancelRejected)
    assert events[1].reason == codes.SYMBOL_NOT_TRADING


def test_cancel_only_symbol_accepts_cancels_but_not_new_orders() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u", BUY, 100, 1))
    engine.set_status(SYMBOL, CANCEL_ONLY)
    engine.drain()

    engine.submit(SYMBOL, limit(2, "u", BUY, 100, 1))
    engine.cancel(SYMBOL, 1, "u")

    events = engine.drain()
    assert only_rejection(events[:1]) == codes.SYMBOL_NOT_TRADING
    assert engine.open_orders(SYMBOL) == []


def test_trading_resumes_after_a_halt() -> None:
    engine = new_engine()
    engine.set_status(SYMBOL, HALT)
    engine.set_status(SYMBOL, TRADING)
    engine.drain()

    engine.submit(SYMBOL, limit(1, "u", BUY, 100, 1))

    assert len(engine.open_orders(SYMBOL)) == 1


def test_host_side_rejection_takes_a_sequence_number_and_marks_the_id_used() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u", BUY, 100, 1))
    engine.reject(SYMBOL, 2, "u", "c2", codes.BAD_TICK)
    engine.submit(SYMBOL, limit(2, "u", BUY, 100, 1))

    events = engine.drain()
    rejections = [e for e in events if isinstance(e, OrderRejected)]
    assert [(r.reason, r.client_order_id) for r in rejections] == [
        ("BAD_TICK", "c2"),
        ("DUPLICATE_ORDER_ID", ""),
    ]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
