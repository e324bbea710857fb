"""User data stream balance frames: outboundAccountPosition from the settled ledger after engine
events, balanceUpdate + outboundAccountPosition after a deposit credit (moto WebSocket management API,
real PostgreSQL ledger, settlement through its own Kinesis handler)."""

import json
import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from settlement.consume import handler as settle_handler
from websocket.account_stream import handler as account_handler

from castle.adapters.dynamo_connections import DynamoConnections
from castle.adapters.postgres.ledger_store import PostgresLedger, get_ledger
from castle.adapters.ws_poster import poster
from castle.contracts.activity import DepositCredited, encode_activity
from castle.contracts.commands import Side
from castle.contracts.events import EngineEvent
from castle.domain.money import to_minor
from castle.ledger.models import OrderRecord, OrderRequest
from castle.marketdata.account_stream import AccountStream, SettlementBehindError
from castle.settings import get_settings
from tests.support.conservation import assert_conserved
from tests.support.engine_tape import EngineTape, kinesis_event, kinesis_record
from tests.support.lambda_context import FakeLambdaContext

ACCOUNT = "123456789012"
ACTIVITY_ARN = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/castle-dev-activity"


@pytest.fixture(autouse=True)
def websocket_endpoint(market_tables: None) -> Iterator[None]:
    os.environ["CASTLE_WEBSOCKET_ENDPOINT"] = "https://castlews.execute-api.us-east-1.amazonaws.com/dev"
    get_settings.cache_clear()
    yield
    os.environ.pop("CASTLE_WEBSOCKET_ENDPOINT", None)
    get_settings.cache_clear()


@pytest.fixture
def ledger(database_url: str) -> PostgresLedger:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM consumer_progress")  # every test's tape starts at seq 1
    return get_ledger()


def new_user(ledger: PostgresLedger, **funds: str) -> str:
    user_id = f"user-{uuid.uuid4()}"
    ledger.ensure_account(user_id, f"{user_id}@example.com")
    for asset, amount in funds.items():
        ledger.credit_deposit(f"seed-{user_id}-{asset}", user_id, asset, to_minor(amount))
    return user_id


def subscribe(connection_id: str, user_id: str) -> None:
    connections = DynamoConnections.from_settings()
    connections.open(connection_id, now_ms=0, combined=False)
    connections.subscribe_user(connection_id, user_id)


def frames(connection_id: str) -> list[Any]:
    """Every frame moto's management API received for the connection, in order."""
    backend = apigatewaymanagementapi_backends[ACCOUNT]["us-east-1"]
    if connection_id not in backend.connections:
        return []
    data = backend.connections[connection_id].data.decode()
    decoder = json.JSONDecoder()
    out: list[Any] = []
    position = 0
    while position < len(data):
        value, position = decoder.raw_decode(data, position)
        out.append(value)
    return out


def events_of(connection_id: str) -> list[dict[str, Any]]:
    return [frame["event"] for frame in frames(connection_id)]


def place(ledger: PostgresLedger, user: str, side: Side, price: str, qty: str) -> OrderRecord:
    return ledger.reserve_order(
        OrderRequest(
            user_id=user,
            symbol="BTCUSDT",
            side=side,
            order_type="LIMIT",
            client_order_id=f"{side}-{uuid.uuid4().hex[:8]}",
            created_at_ms=1_700_000_000_000,
            time_in_force="GTC",
            price=Decimal(price),
            quantity=Decimal(qty),
        )
    )


def settle_then_broadcast(events: list[EngineEvent]) -> None:
    batch = kinesis_event(events)
    assert settle_handler(batch, FakeLambdaContext()) == {"batchItemFailures": []}
    account_handler(batch, FakeLambdaContext())


def credited(user_id: str, tx_id: str, asset: str, amount: str, ts_ms: int = 1) -> DepositCredited:
    """What the wallet API publishes once the ledger credited a deposit."""
    return DepositCredited(
        event_id=f"deposit-{tx_id}",
        user_id=user_id,
        ts_ms=ts_ms,
        deposit_id=tx_id,
        asset=asset,
        amount=Decimal(amount),
    )


def deliver_activity(event: DepositCredited) -> None:
    record = kinesis_record(encode_activity(event).encode(), event.user_id, 1)
    account_handler({"Records": [{**record, "eventSourceARN": ACTIVITY_ARN}]}, FakeLambdaContext())


def test_a_hold_sends_the_held_asset_with_its_settled_free_and_locked(
    ledger: PostgresLedger, database_url: str
) -> None:
    alice = new_user(ledger, USDT="1000")
    subscribe("alice-ws", alice)
    buy = place(ledger, alice, "BUY", "100", "1")  # holds 100 + 0.1 max fee

    settle_then_broadcast([EngineTape("BTCUSDT").accepted(buy)])

    [position] = events_of("alice-ws")
    assert position["e"] == "outboundAccountPosition"
    assert position["B"] == [{"a": "USDT", "f": "899.90000000", "l": "100.10000000"}]
    assert position["u"] > 0 and position["E"] > 0
    assert [f["subscriptionId"] for f in frames("alice-ws")] == [0]
    assert_conserved(database_url)


def test_a_trade_sends_both_assets_after_fill_and_fee(ledger: PostgresLedger, database_url: str) -> None:
    alice, bob = new_user(ledger, USDT="1000"), new_user(ledger, BTC="1")
    subscribe("alice-ws", alice)
    sell = place(ledger, bob, "SELL", "100", "1")
    buy = place(ledger, alice, "BUY", "100", "1")
    tape = EngineTape("BTCUSDT")

    settle_then_broadcast(
        [
            tape.accepted(sell),
            tape.accepted(buy),
            tape.trade(sell, buy, "100", "1"),
            tape.done(buy, "FILLED", "1", "100"),
        ]
    )

    [position] = events_of("alice-ws")
    assert sorted(position["B"], key=lambda b: b["a"]) == [
        {"a": "BTC", "f": "1.00000000", "l": "0.00000000"},
        {"a": "USDT", "f": "899.90000000", "l": "0.00000000"},
    ]
    assert_conserved(database_url)


def test_a_deposit_credit_sends_balance_update_then_the_new_position(
    ledger: PostgresLedger, database_url: str
) -> None:
    alice = new_user(ledger, USDT="5")
    subscribe("alice-ws", alice)
    ledger.credit_deposit(f"tx-{alice}", alice, "BTC", to_minor("0.25"))
    deliver_activity(credited(alice, f"tx-{alice}", "BTC", "0.25", ts_ms=1_700_000_000_123))

    update, position = events_of("alice-ws")
    assert update["e"] == "balanceUpdate" and update["E"] > 0
    assert {k: update[k] for k in ("a", "d", "T")} == {"a": "BTC", "d": "0.25000000", "T": 1_700_000_000_123}
    assert position["e"] == "outboundAccountPosition" and position["u"] == 1_700_000_000_123
    assert position["B"] == [{"a": "BTC", "f": "0.25000000", "l": "0.00000000"}]
    assert_conserved(database_url)


def test_a_connection_without_a_user_data_subscription_gets_nothing(
    ledger: PostgresLedger, database_url: str
) -> None:
    alice = new_user(ledger, USDT="1000")
    DynamoConnections.from_settings().open("public-ws", now_ms=0, combined=False)
    DynamoConnections.from_settings().subscribe("public-ws", ["btcusdt@trade"])
    buy = place(ledger, alice, "BUY", "100", "1")

    settle_then_broadcast([EngineTape("BTCUSDT").accepted(buy)])
    deliver_activity(credited(alice, f"tx-{alice}", "BTC", "1"))

    assert frames("public-ws") == []
    assert_conserved(database_url)


def test_another_users_balances_never_reach_this_connection(
    ledger: PostgresLedger, database_url: str
) -> None:
    alice, bob = new_user(ledger, USDT="1000"), new_user(ledger, BTC="1")
    subscribe("alice-ws", alice)
    sell = place(ledger, bob, "SELL", "100", "1")
    ledger.credit_deposit(f"tx-{bob}", bob, "ETH", to_minor("2"))

    settle_then_broadcast([EngineTape("BTCUSDT").accepted(sell)])
    deliver_activity(credited(bob, f"tx-{bob}", "ETH", "2"))

    assert frames("alice-ws") == []
    assert_conserved(database_url)


def test_a_batch_whose_settlement_is_behind_fails_without_sending(
    ledger: PostgresLedger, database_url: str
) -> None:
    alice = new_user(ledger, USDT="1000")
    subscribe("alice-ws", alice)
    buy = place(ledger, alice, "BUY", "100", "1")
    stream = AccountStream(
        connections=DynamoConnections.from_settings(), poster=poster(), ledger=ledger,
        clock_ms=lambda: 1, settlement_wait_s=0.0,
    )  # fmt: skip

    with pytest.raises(SettlementBehindError):
        stream.publish_engine_events([EngineTape("BTCUSDT").accepted(buy)])

    assert frames("alice-ws") == []
    assert_conserved(database_url)
