"""WebSocket API: subscriptions in Binance's format, broadcasting through API Gateway's management
API (moto), and a client that keeps a local book from /depth + the diff stream."""

import json
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from market.api import handler as market_handler
from marketdata.consume import handler as consume_handler
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from websocket.broadcast import handler as broadcast_handler
from websocket.connect import handler as connect_handler
from websocket.disconnect import handler as disconnect_handler
from websocket.messages import handler as messages_handler

from castle.adapters.dynamo_connections import DynamoConnections
from castle.adapters.dynamo_marketdata import DynamoExecutions, DynamoMarketData
from castle.adapters.secret_cipher import LocalSecretCipher
from castle.auth.api_keys import create_api_key
from castle.auth.signing import sign
from castle.contracts.events import EngineEvent, Trade
from castle.marketdata.book import DepthDiff, L2Book
from castle.marketdata.broadcast import Broadcaster
from castle.marketdata.ports import ConnectionGoneError
from castle.marketdata.streams import user_stream
from castle.marketdata.ws_auth import SignatureAuthenticator, signature_payload
from castle.marketdata.ws_session import WsSession
from castle.ports.auth import StoredApiKey
from castle.settings import get_settings
from tests.support.engine_session import Session, kinesis_event, random_session
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext

ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def websocket_endpoint(market_tables: None) -> Iterator[None]:
    os.environ["CASTLE_WEBSOCKET_ENDPOINT"] = "https://castlews.execute-api.us-east-1.amazonaws.com/dev"
    get_settings.cache_clear()
    yield
    os.environ.pop("CASTLE_WEBSOCKET_ENDPOINT", None)
    get_settings.cache_clear()


def frames(connection_id: str) -> list[Any]:
    """Every frame moto's management API received for the connection, in order."""
    data = apigatewaymanagementapi_backends[ACCOUNT]["us-east-1"].connections[connection_id].data.decode()
    decoder = json.JSONDecoder()
    out: list[Any] = []
    position = 0
    while position < len(data):
        value, position = decoder.raw_decode(data, position)
        out.append(value)
    return out


def connect(connection_id: str, streams: str | None = None) -> None:
    event = load_event("websocket/connect.json")
    event["requestContext"]["connectionId"] = connection_id
    event["queryStringParameters"] = {"streams": streams} if streams else None
    assert connect_handler(event, FakeLambdaContext())["statusCode"] == 200


def send(connection_id: str, message: dict[str, Any]) -> Any:
    event = load_event("websocket/subscribe.json")
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = json.dumps(message)
    before = len(frames(connection_id))
    messages_handler(event, FakeLambdaContext())
    return frames(connection_id)[before]


def feed(events: list[EngineEvent], *, first_sequence: int = 1) -> None:
    """The two Kinesis consumers of one batch: market data first, then the broadcaster."""
    batch = kinesis_event(events, first_sequence=first_sequence)
    assert consume_handler(batch, FakeLambdaContext()) == {"batchItemFailures": []}
    assert broadcast_handler(batch, FakeLambdaContext()) == {"batchItemFailures": []}


def feed_in_batches(events: list[EngineEvent], rng: random.Random, first_sequence: int) -> int:
    position = 0
    while position < len(events):
        size = rng.randint(1, 60)
        feed(events[position : position + size], first_sequence=first_sequence + position)
        position += size
    return first_sequence + position


def rest_depth() -> dict[str, Any]:
    event = load_event("market/depth.json")
    event["queryStringParameters"] = {"symbol": "BTCUSDT", "limit": "5000"}
    return dict(json.loads(market_handler(event, FakeLambdaContext())["body"]))


def test_subscribe_list_and_unsubscribe_answer_in_binance_format() -> None:
    connect("c1")
    assert send("c1", {"method": "SUBSCRIBE", "params": ["btcusdt@depth", "btcusdt@trade"], "id": 1}) == {
        "result": None,
        "id": 1,
    }
    assert send("c1", {"method": "UNSUBSCRIBE", "params": ["btcusdt@depth"], "id": 312}) == {
        "result": None,
        "id": 312,
    }
    assert send("c1", {"method": "LIST_SUBSCRIPTIONS", "id": 3}) == {"result": ["btcusdt@trade"], "id": 3}


def test_the_subscribers_of_every_stream_of_a_symbol_are_read_at_once() -> None:
    connections = DynamoConnections.from_settings()
    connect("c1", streams="btcusdt@trade/btcusdt@depth5")
    connect("c2", streams="btcusdt@trade/ethusdt@trade")
    connections.subscribe_user("c2", "u1")

    btc = connections.subscribers_by_stream("btcusdt")

    assert {stream: sorted(s.connection_id for s in subs) for stream, subs in btc.items()} == {
        "btcusdt@trade": ["c1", "c2"],
        "btcusdt@depth5": ["c1"],
    }
    assert list(connections.subscribers_by_stream(user_stream("u1"))) == [user_stream("u1")]


def test_an_unknown_stream_is_refused_without_subscribing() -> None:
    connect("c1")
    reply = send("c1", {"method": "SUBSCRIBE", "params": ["nopeusdt@depth"], "id": 7})
    assert reply["code"] == 2 and reply["id"] == 7
    assert send("c1", {"method": "LIST_SUBSCRIPTIONS", "id": 8}) == {"result": [], "id": 8}


def test_invalid_json_is_answered_with_code_3() -> None:
    connect("c1")
    event = load_event("websocket/subscribe.json") | {"body": "{nope"}
    event["requestContext"]["connectionId"] = "c1"
    messages_handler(event, FakeLambdaContext())
    assert frames("c1")[-1]["code"] == 3


def test_disconnect_forgets_every_subscription() -> None:
    connect("c1", streams="btcusdt@trade")
    event = load_event("websocket/disconnect.json")
    event["requestContext"]["connectionId"] = "c1"
    disconnect_handler(event, FakeLambdaContext())
    assert DynamoConnections.from_settings().subscribers("btcusdt@trade") == []


def test_a_combined_connection_gets_trades_wrapped_with_their_stream_name() -> None:
    connect("c1", streams="btcusdt@trade")
    session = random_session(60)

    feed(session.events)

    trades = [e for e in session.events if isinstance(e, Trade)]
    received = frames("c1")
    assert [f["stream"] for f in received] == ["btcusdt@trade"] * len(trades)
    assert [f["data"]["t"] for f in received] == [t.trade_id for t in trades]
    assert received[0]["data"]["e"] == "trade" and received[0]["data"]["s"] == "BTCUSDT"


def test_kline_and_ticker_streams_push_the_current_bar_and_the_rolling_window() -> None:
    connect("c1", streams="btcusdt@kline_1m/btcusdt@ticker/btcusdt@bookTicker/btcusdt@aggTrade")
    session = random_session(60)

    feed(session.events)

    by_stream: dict[str, list[Any]] = {}
    for frame in frames("c1"):
        by_stream.setdefault(frame["stream"], []).append(frame["data"])
    trades = [e for e in session.events if isinstance(e, Trade)]
    assert by_stream["btcusdt@kline_1m"][-1]["k"]["L"] == trades[-1].trade_id
    assert by_stream["btcusdt@ticker"][-1]["L"] == trades[-1].trade_id
    assert by_stream["btcusdt@bookTicker"][-1]["b"] == session.engine_depth(1)["bids"][0][0]
    assert by_stream["btcusdt@aggTrade"][-1]["l"] == trades[-1].trade_id


class GonePoster:
    def post(self, connection_id: str, data: bytes) -> None:
        raise ConnectionGoneError(connection_id)


def test_a_gone_connection_is_deleted_when_a_frame_cannot_be_delivered() -> None:
    connections = DynamoConnections.from_settings()
    connections.open("gone", now_ms=0, combined=False)
    connections.subscribe("gone", ["btcusdt@trade"])
    broadcaster = Broadcaster(
        connections=connections,
        poster=GonePoster(),
        market=DynamoMarketData.from_settings(),
        executions=DynamoExecutions.from_settings(),
        clock_ms=lambda: 0,
    )
    trade = next(e for e in random_session(60).events if isinstance(e, Trade))

    broadcaster.publish(trade)

    assert not connections.exists("gone")
    assert connections.subscribers("btcusdt@trade") == []


@pytest.mark.parametrize("stream", ["btcusdt@depth", "btcusdt@depth@100ms"])
def test_a_client_book_from_a_snapshot_and_the_diff_stream_ends_identical_to_the_server_book(
    stream: str,
) -> None:
    rng = random.Random(11)
    session: Session = random_session(160, seed=5)
    events = session.events
    first, second = len(events) // 4, len(events) // 2

    sequence = feed_in_batches(events[:first], rng, 1)
    connect("client")
    assert send("client", {"method": "SUBSCRIBE", "params": [stream], "id": 1}) == {"result": None, "id": 1}
    sequence = feed_in_batches(events[first:second], rng, sequence)
    snapshot = rest_depth()
    feed_in_batches(events[second:], rng, sequence)

    # Binance's procedure: drop buffered diffs with u <= lastUpdateId, the first applied one spans
    # lastUpdateId + 1, every later one starts right after the previous (the strict book refuses gaps).
    diffs = [f for f in frames("client")[1:] if f.get("e") == "depthUpdate"]
    book = L2Book(
        last_update_id=snapshot["lastUpdateId"],
        bids={Decimal(p): Decimal(q) for p, q in snapshot["bids"]},
        asks={Decimal(p): Decimal(q) for p, q in snapshot["asks"]},
    )
    pending = [d for d in diffs if d["u"] > snapshot["lastUpdateId"]]
    assert pending and pending[0]["U"] <= snapshot["lastUpdateId"] + 1 <= pending[0]["u"]
    for frame in pending:
        diff = DepthDiff(
            symbol=frame["s"],
            first_update_id=frame["U"],
            last_update_id=frame["u"],
            bids=tuple((Decimal(p), Decimal(q)) for p, q in frame["b"]),
            asks=tuple((Decimal(p), Decimal(q)) for p, q in frame["a"]),
        )
        book.apply(diff, strict=True)

    server = rest_depth()
    client = {
        "lastUpdateId": book.last_update_id,
        "bids": [[f"{p:.8f}", f"{q:.8f}"] for p, q in book.top_bids()],
        "asks": [[f"{p:.8f}", f"{q:.8f}"] for p, q in book.top_asks()],
    }
    assert client == server == session.engine_depth(5000)


class MemoryApiKeys:
    def __init__(self) -> None:
        self.keys: dict[str, StoredApiKey] = {}

    def insert(self, key: StoredApiKey) -> None:
        self.keys[key.api_key] = key

    def get(self, api_key: str) -> StoredApiKey | None:
        return self.keys.get(api_key)

    def list_for_user(self, user_id: str) -> list[StoredApiKey]:
        return [k for k in self.keys.values() if k.user_id == user_id]

    def count_for_user(self, user_id: str) -> int:
        return len(self.list_for_user(user_id))

    def revoke(self, user_id: str, api_key: str) -> bool:
        return False


def test_a_signed_user_data_stream_subscription_receives_the_users_execution_reports() -> None:
    keys, cipher = MemoryApiKeys(), LocalSecretCipher(b"k" * 32)
    created = create_api_key(
        keys, cipher, user_id="user-1", label="ws", permissions=["read"], now=datetime.now(tz=UTC)
    )
    connections = DynamoConnections.from_settings()
    connections.open("private", now_ms=0, combined=False)
    session = WsSession(connections, SignatureAuthenticator(keys, cipher))
    now_ms = 1_764_000_000_000
    params: dict[str, Any] = {"apiKey": created.key.api_key, "timestamp": now_ms}
    params["signature"] = sign(created.secret, signature_payload(params))

    message = {"id": "a1", "method": "userDataStream.subscribe.signature", "params": params}
    reply = session.handle("private", json.dumps(message), now_ms)
    assert reply == {"id": "a1", "status": 200, "result": {"subscriptionId": 0}}

    events = random_session(60).events
    feed(events)
    reports = [f["event"] for f in frames("private")]
    trades = [e for e in events if isinstance(e, Trade)]
    user_trades = [t for t in trades if "user-1" in (t.maker_user_id, t.taker_user_id)]
    assert {r["e"] for r in reports} == {"executionReport"}
    assert len([r for r in reports if r["x"] == "TRADE"]) == sum(
        (t.maker_user_id == "user-1") + (t.taker_user_id == "user-1") for t in user_trades
    )
    assert all(f["subscriptionId"] == 0 for f in frames("private"))


def test_a_bad_signature_is_refused_with_1022() -> None:
    keys, cipher = MemoryApiKeys(), LocalSecretCipher(b"k" * 32)
    created = create_api_key(
        keys, cipher, user_id="user-1", label="ws", permissions=["read"], now=datetime.now(tz=UTC)
    )
    connections = DynamoConnections.from_settings()
    connections.open("private", now_ms=0, combined=False)
    session = WsSession(connections, SignatureAuthenticator(keys, cipher))
    params = {"apiKey": created.key.api_key, "timestamp": 1_764_000_000_000, "signature": "00" * 32}

    reply = session.handle(
        "private",
        json.dumps({"id": 2, "method": "userDataStream.subscribe.signature", "params": params}),
        1_764_000_000_000,
    )

    assert reply["status"] == 401 and reply["error"]["code"] == -1022
    assert connections.user_subscriptions("private") == []
