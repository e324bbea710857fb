"""The engine frees what it drops. Orders and levels are invisible to the cyclic garbage collector
in the compiled build (acyclic), so nothing may stay linked to an order once it leaves the book,
nor among the orders of a book that is dropped: an order is then held by its caller alone."""

import gc
import os
import sys

import pytest

from castle_engine import BUY, LIMIT_MAKER, SELL, STOP_LOSS_LIMIT, Engine, Order
from tests.engine.harness import SYMBOL, commands_from_workload, limit, new_engine, run

WORKLOAD = commands_from_workload(3000, seed=5)


def _run_keeping_the_orders(engine: Engine) -> list[Order]:
    submitted: list[Order] = []
    run(engine, WORKLOAD, submitted)
    return submitted


def _held_only_by_the_test(orders: list[Order]) -> bool:
    """Whether every order has as many references as one the engine never saw, held the same way
    (by the list alone)."""
    orders.append(Order(-1, "nobody"))
    counts = [sys.getrefcount(order) for order in orders]
    orders.pop()
    baseline = counts.pop()
    held = [order.order_id for order, count in zip(orders, counts, strict=True) if count != baseline]
    assert held == [], f"orders still referenced from inside the engine: {held[:10]}"
    return True


def _oco_pair(engine: Engine) -> tuple[Order, Order]:
    limit_leg = limit(9001, "oco-user", SELL, 12_000, 5, order_type=LIMIT_MAKER)
    stop_leg = limit(9002, "oco-user", SELL, 9_000, 5, order_type=STOP_LOSS_LIMIT, stop_price=9_100)
    engine.submit_oco(SYMBOL, 77, limit_leg, stop_leg)
    return limit_leg, stop_leg


def test_an_order_that_left_the_book_is_held_by_nothing_in_the_engine() -> None:
    engine = new_engine()
    submitted = _run_keeping_the_orders(engine)
    resting = {order.order_id for order in engine.open_orders(SYMBOL)}
    gone = [order for order in submitted if order.order_id not in resting]
    del submitted

    assert len(gone) > 1000
    assert _held_only_by_the_test(gone)


def test_both_legs_of_a_filled_oco_are_held_by_nothing_in_the_engine() -> None:
    engine = new_engine()
    legs = list(_oco_pair(engine))
    engine.submit(SYMBOL, limit(9003, "buyer", BUY, 12_000, 5))
    engine.drain()

    assert engine.open_orders(SYMBOL) == []
    assert _held_only_by_the_test(legs)


def test_releasing_an_engine_unlinks_every_resting_order_and_oco_leg() -> None:
    engine = new_engine()
    _run_keeping_the_orders(engine)
    _oco_pair(engine)
    engine.drain()
    open_orders = engine.open_orders(SYMBOL)
    assert len(open_orders) > 100

    engine.release()

    assert engine.symbols() == []
    assert all(
        (order.prev, order.next, order.level, order.sibling) == (None, None, None, None)
        for order in open_orders
    )
    assert _held_only_by_the_test(open_orders)


def test_restoring_a_snapshot_releases_the_books_it_replaces() -> None:
    engine = new_engine()
    _run_keeping_the_orders(engine)
    replaced = engine.open_orders(SYMBOL)

    engine.restore(new_engine().snapshot())

    assert engine.open_orders(SYMBOL) == []
    assert _held_only_by_the_test(replaced)


@pytest.mark.skipif(os.environ.get("CASTLE_ENGINE_COMPILED") != "1", reason="a property of the mypyc build")
def test_the_compiled_build_keeps_orders_and_levels_out_of_the_cyclic_collector() -> None:
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u", BUY, 10_000, 5))
    [order] = engine.open_orders(SYMBOL)

    assert not gc.is_tracked(order)
    assert not gc.is_tracked(order.level)
