"""The host's hand-written event JSON is the castle.contracts.events wire contract."""

import sys
from decimal import Decimal

from castle.contracts.commands import CancelOrder, NewOrder, OrderSpec, encode_command
from castle.contracts.events import OrderRejected, Trade, decode_event, encode_event
from castle_engine import events as ev
from engine_host.command_stream import bodies, generate_commands
from engine_host.engine_adapter import EngineAdapter
from engine_host.pipeline import CommandPipeline
from engine_host.transport import ReceivedMessage


def test_every_published_event_decodes_to_the_contract_and_re_encodes_to_the_same_values() -> None:
    pipeline = CommandPipeline()
    messages = [ReceivedMessage(b, str(i)) for i, b in enumerate(bodies(generate_commands(2000, seed=3)))]
    records = pipeline.process(messages).records
    kinds = set()
    for record in records:
        event = decode_event(record.data)
        kinds.add(event.type)
        assert decode_event(encode_event(event)) == event
        assert record.partition_key == event.symbol
    assert {"order_accepted", "trade", "order_done", "depth", "cancel_rejected"} <= kinds
    assert [decode_event(r.data).seq for r in records] == list(range(1, len(records) + 1))


def test_a_trade_carries_decimal_amounts_the_causing_command_id_and_its_timestamp() -> None:
    pipeline = CommandPipeline()
    sell = OrderSpec(
        order_id=1,
        client_order_id="s",
        user_id="u1",
        side="SELL",
        order_type="LIMIT",
        time_in_force="GTC",
        price=Decimal("30000.01"),
        quantity=Decimal("0.5"),
    )
    buy = sell.model_copy(update={"order_id": 2, "client_order_id": "b", "user_id": "u2", "side": "BUY"})
    commands = [
        NewOrder(command_id="c1", symbol="BTCUSDT", ts_ms=1000, order=sell),
        NewOrder(command_id="c2", symbol="BTCUSDT", ts_ms=2000, order=buy),
    ]
    messages = [ReceivedMessage(encode_command(c).encode(), c.command_id) for c in commands]
    events = [decode_event(r.data) for r in pipeline.process(messages).records]
    trade = next(e for e in events if isinstance(e, Trade))
    assert (trade.price, trade.quantity, trade.quote_quantity) == (
        Decimal("30000.01"),
        Decimal("0.5"),
        Decimal("15000.005"),
    )
    assert (trade.command_id, trade.ts_ms, trade.taker_side) == ("c2", 2000, "BUY")


def test_a_price_off_the_tick_is_rejected_by_the_engine_in_the_symbols_sequence() -> None:
    pipeline = CommandPipeline()
    spec = OrderSpec(
        order_id=7,
        client_order_id="x",
        user_id="u1",
        side="BUY",
        order_type="LIMIT",
        time_in_force="GTC",
        price=Decimal("30000.005"),
        quantity=Decimal("0.5"),
    )
    command = NewOrder(command_id="c7", symbol="BTCUSDT", ts_ms=5, order=spec)
    result = pipeline.process([ReceivedMessage(encode_command(command).encode(), "1")])
    [event] = [decode_event(r.data) for r in result.records]
    assert isinstance(event, OrderRejected)
    assert (event.reason, event.seq, event.order_id) == ("BAD_TICK", 1, 7)


def test_orders_and_cancels_of_one_user_share_one_interned_user_string() -> None:
    adapter = EngineAdapter()
    scale = adapter.scales["BTCUSDT"]
    spec = OrderSpec(
        order_id=1,
        client_order_id="a",
        user_id="".join(["user-", "42"]),
        side="BUY",
        order_type="LIMIT",
        time_in_force="GTC",
        price=Decimal("30000.01"),
        quantity=Decimal("0.5"),
    )
    again = spec.model_copy(update={"order_id": 2, "user_id": "".join(["user-", "4", "2"])})
    assert spec.user_id is not again.user_id
    assert EngineAdapter.order(scale, spec).user_id is EngineAdapter.order(scale, again).user_id
    adapter.apply(NewOrder(command_id="c1", symbol="BTCUSDT", ts_ms=1, order=spec))
    cancel = CancelOrder(
        command_id="c2", symbol="BTCUSDT", ts_ms=2, order_id=1, user_id="".join(["user-", "42"])
    )
    [done, _depth] = adapter.apply(cancel)
    assert isinstance(done, ev.OrderDone)
    assert done.user_id is sys.intern("user-42")
