"""Same input, same output: determinism, snapshot/restore mid-stream, and one golden hash that the
interpreted and the compiled build must both reproduce."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from castle_engine import (
    BUY,
    LIMIT_MAKER,
    SELL,
    STOP_LOSS_LIMIT,
    Engine,
    SnapshotError,
    SymbolSpec,
)
from tests.engine.conftest import ENGINE_SETTINGS
from tests.engine.harness import (
    SYMBOL,
    Command,
    commands_from_workload,
    events_hash,
    limit,
    market,
    new_engine,
    run,
)

WORKLOAD = commands_from_workload(3000, seed=11)
# sha256 of the event lines of WORKLOAD: pinned so that every build (interpreted, compiled) and every
# refactoring must produce exactly the same event stream. Change it only for an intended change.
GOLDEN_EVENTS_SHA256 = "9ce15ad05e534d4b29734dac33a81a0559cde29ddc10126ed954dbfd4725ad7a"


def test_the_same_commands_give_the_same_events() -> None:
    assert events_hash(run(new_engine(), WORKLOAD)) == events_hash(run(new_engine(), WORKLOAD))


def test_the_event_stream_of_the_reference_workload_is_pinned() -> None:
    assert events_hash(run(new_engine(), WORKLOAD)) == GOLDEN_EVENTS_SHA256


@given(cut=st.integers(min_value=0, max_value=len(WORKLOAD)))
@settings(ENGINE_SETTINGS, max_examples=20)
def test_restoring_a_snapshot_mid_stream_then_continuing_gives_the_same_events(cut: int) -> None:
    uninterrupted = run(new_engine(), WORKLOAD)

    primary = new_engine()
    before = run(primary, WORKLOAD[:cut])
    standby = Engine()
    standby.restore(primary.snapshot())
    after = run(standby, WORKLOAD[cut:])

    assert events_hash(before + after) == events_hash(uninterrupted)


def test_snapshot_carries_stops_oco_legs_client_ids_and_used_order_ids() -> None:
    primary = new_engine()
    primary.submit(SYMBOL, limit(1, "x", SELL, 100, 1))
    primary.submit(SYMBOL, limit(2, "y", BUY, 100, 1))
    primary.submit(SYMBOL, limit(3, "me", SELL, 80, 1, order_type=STOP_LOSS_LIMIT, stop_price=90))
    primary.submit_oco(
        SYMBOL,
        5,
        limit(4, "me", SELL, 120, 2, order_type=LIMIT_MAKER, client_order_id="leg"),
        limit(6, "me", SELL, 85, 2, order_type=STOP_LOSS_LIMIT, stop_price=88),
    )
    primary.drain()
    standby = Engine()
    standby.restore(primary.snapshot())

    follow_up: list[Command] = [
        ("submit", limit(1, "x", SELL, 100, 1), ""),
        ("submit", limit(7, "me", SELL, 130, 1, client_order_id="leg"), ""),
        ("submit", limit(8, "b", BUY, 120, 1), ""),
        ("submit", limit(9, "bidder", BUY, 80, 5), ""),
        ("submit", market(10, "seller", SELL, qty=1), ""),
    ]
    follow_up_events = run(primary, follow_up)

    assert events_hash(run(standby, follow_up)) == events_hash(follow_up_events)
    assert standby.snapshot() == primary.snapshot()


def test_restore_refuses_bytes_that_are_not_a_snapshot() -> None:
    with pytest.raises(SnapshotError):
        Engine().restore(b"not a snapshot")


def test_a_snapshot_of_a_large_book_is_compact() -> None:
    engine = new_engine()
    run(engine, WORKLOAD)

    assert len(engine.snapshot()) < 60 * max(1, engine.resting_count()) + 4096


def test_a_book_reserved_for_n_orders_gives_the_same_events_and_keeps_the_room_after_a_restore() -> None:
    reserved = Engine(reserve_orders=100_000)
    reserved.add_symbol(SymbolSpec(SYMBOL))
    assert reserved.order_capacity(SYMBOL) >= 100_000
    assert new_engine().order_capacity(SYMBOL) < 100_000

    assert events_hash(run(reserved, WORKLOAD)) == GOLDEN_EVENTS_SHA256
    standby = Engine(reserve_orders=100_000)
    standby.restore(reserved.snapshot())
    assert standby.order_capacity(SYMBOL) >= 100_000
