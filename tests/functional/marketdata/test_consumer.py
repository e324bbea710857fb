"""The Kinesis consumer: exactly once per (symbol, seq), klines/executions from a real engine session."""

from decimal import Decimal
from typing import Any

import boto3
import pytest
from marketdata.consume import handler

from castle.adapters.dynamo_marketdata import DynamoExecutions, DynamoMarketData
from castle.contracts.events import OrderAccepted, OrderDone, Trade
from castle.marketdata.intervals import KLINE_INTERVALS
from castle.marketdata.klines import Kline, apply_trade
from castle.marketdata.trades import PublicTrade
from tests.support.engine_session import kinesis_event, random_session
from tests.support.lambda_context import FakeLambdaContext

pytestmark = pytest.mark.usefixtures("market_tables")

TABLE_NAMES = (
    "castle-dev-market-state",
    "castle-dev-market-series",
    "castle-dev-order-book-depth",
    "castle-dev-trade-executions",
)


def dump_tables() -> dict[str, list[dict[str, Any]]]:
    resource = boto3.resource("dynamodb", region_name="us-east-1")
    dump: dict[str, list[dict[str, Any]]] = {}
    for name in TABLE_NAMES:
        items = resource.Table(name).scan()["Items"]
        dump[name] = sorted(items, key=repr)
    return dump


def consume(events: list[Any]) -> dict[str, Any]:
    return dict(handler(kinesis_event(events), FakeLambdaContext()))


def test_a_redelivered_batch_changes_nothing() -> None:
    events = random_session(60).events
    assert consume(events) == {"batchItemFailures": []}
    before = dump_tables()

    assert consume(events) == {"batchItemFailures": []}
    assert consume(events[: len(events) // 2]) == {"batchItemFailures": []}

    assert dump_tables() == before


def test_overlapping_batches_end_in_the_same_state_as_one_batch() -> None:
    events = random_session(60).events
    consume(events[:50])
    consume(events[30:120])
    consume(events[100:])
    overlapped = dump_tables()

    resource = boto3.resource("dynamodb", region_name="us-east-1")
    for name in TABLE_NAMES:
        table = resource.Table(name)
        keys = [k["AttributeName"] for k in table.key_schema]
        with table.batch_writer() as batch:
            for item in table.scan()["Items"]:
                batch.delete_item(Key={k: item[k] for k in keys})
    consume(events)

    assert dump_tables() == overlapped


def test_an_event_after_a_gap_fails_with_every_later_record_of_its_symbol() -> None:
    events = random_session(20).events
    consume(events[:5])

    response = consume(events[5:7] + events[8:10])

    failed = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    assert len(failed) == 2
    assert DynamoMarketData.from_settings().load_state("BTCUSDT").last_seq == events[6].seq


def test_klines_of_every_interval_fold_the_session_trades() -> None:
    events = random_session(60).events
    consume(events)
    store = DynamoMarketData.from_settings()
    trades = [PublicTrade.from_event(e) for e in events if isinstance(e, Trade)]
    assert trades

    for interval in KLINE_INTERVALS:
        expected: dict[int, Kline] = {}
        current: Kline | None = None
        for trade in trades:
            current = apply_trade(current, interval, trade)
            expected[current.open_time] = current
        stored = store.klines("BTCUSDT", interval, 1000, start_ms=0)
        assert stored == sorted(expected.values(), key=lambda k: k.open_time), interval


def test_every_done_order_has_fills_that_add_up_to_its_executed_quantity() -> None:
    events = random_session(60).events
    consume(events)
    executions = DynamoExecutions.from_settings()
    done = [e for e in events if isinstance(e, OrderDone)]
    assert any(e.status == "FILLED" for e in done)

    for event in done:
        order = executions.get_order(event.order_id)
        assert order is not None
        assert order.status == event.status
        fills = executions.fills(event.order_id)
        assert sum((f.quantity for f in fills), Decimal(0)) == event.executed_quantity
        assert sum((f.quote_quantity for f in fills), Decimal(0)) == event.cumulative_quote_quantity


def test_an_accepted_order_is_stored_as_new_with_its_request() -> None:
    events = random_session(5).events
    consume(events)
    accepted = next(e for e in events if isinstance(e, OrderAccepted))

    order = DynamoExecutions.from_settings().get_order(accepted.order_id)

    assert order is not None
    assert (order.client_order_id, order.side, order.user_id) == (
        accepted.client_order_id,
        accepted.side,
        accepted.user_id,
    )
