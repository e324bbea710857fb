"""The analytics consumer against real PostgreSQL: trades counted once, whatever Kinesis redelivers."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from analytics import api, consume

from castle.contracts.events import encode_event
from tests.functional.pipeline.kinesis_records import kinesis_event
from tests.support.contract_events import a_done_order, a_trade
from tests.support.lambda_context import FakeLambdaContext

HOUR_MS = 3_600_000
T0 = 1_800_000_000_000 - 1_800_000_000_000 % HOUR_MS


@pytest.fixture
def db(database_url: str) -> Iterator[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE analytics_applied_events, analytics_ohlcv_hourly, analytics_user_volume_hourly,"
            " analytics_fee_revenue_hourly"
        )
    yield database_url


def trade(seq: int, price: str, qty: str, ts_ms: int = T0, maker: str = "maker", taker: str = "taker") -> str:
    return encode_event(a_trade(seq=seq, price=price, qty=qty, ts_ms=ts_ms, maker=maker, taker=taker))


def consume_payloads(payloads: list[str]) -> dict[str, Any]:
    response: dict[str, Any] = dict(consume.handler(kinesis_event(payloads), FakeLambdaContext()))
    return response


def candle_row(database_url: str) -> tuple[Any, ...]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT open, high, low, close, base_volume_minor, quote_volume_minor, trade_count"
            " FROM analytics_ohlcv_hourly WHERE symbol = 'BTCUSDT'"
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_trades_become_an_hourly_candle_user_volumes_and_fee_revenue(db: str) -> None:
    response = consume_payloads([trade(1, "100", "2"), trade(2, "110", "1"), trade(3, "90", "1")])

    assert response == {"batchItemFailures": []}
    assert candle_row(db) == (Decimal(100), Decimal(110), Decimal(90), Decimal(90), 4 * 10**8, 400 * 10**8, 3)
    with psycopg.connect(db) as conn:
        fees = conn.execute(
            "SELECT asset, fee_minor, trade_count FROM analytics_fee_revenue_hourly"
        ).fetchall()
        users = conn.execute(
            "SELECT user_id, quote_volume_minor, fee_minor FROM analytics_user_volume_hourly ORDER BY user_id"
        ).fetchall()
    assert fees == [("USDT", 2 * 400 * 10**8 * 10 // 10_000, 3)]
    assert users == [("maker", 400 * 10**8, 40_000_000), ("taker", 400 * 10**8, 40_000_000)]


def test_a_redelivered_batch_counts_nothing_twice(db: str) -> None:
    batch = [trade(1, "100", "2"), trade(2, "110", "1")]
    consume_payloads(batch)
    consume_payloads(batch)
    consume_payloads([batch[1], trade(3, "105", "1")])

    expected = (Decimal(100), Decimal(110), Decimal(100), Decimal(105), 4 * 10**8, 415 * 10**8, 3)
    assert candle_row(db) == expected


def test_out_of_order_delivery_gives_the_same_candle_as_in_order(db: str) -> None:
    consume_payloads([trade(3, "90", "1")])
    consume_payloads([trade(1, "100", "2"), trade(2, "110", "1")])

    assert candle_row(db) == (Decimal(100), Decimal(110), Decimal(90), Decimal(90), 4 * 10**8, 400 * 10**8, 3)


def test_non_trade_events_are_acknowledged_and_ignored(db: str) -> None:
    done = encode_event(a_done_order(order_id=1, seq=7))
    assert consume_payloads([done]) == {"batchItemFailures": []}
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM analytics_ohlcv_hourly").fetchone() == (0,)


def test_an_undecodable_record_is_reported_as_a_batch_item_failure(db: str) -> None:
    event = kinesis_event([trade(1, "100", "1"), "{not json"])
    response = consume.handler(event, FakeLambdaContext())

    assert response["batchItemFailures"] == [
        {"itemIdentifier": event["Records"][1]["kinesis"]["sequenceNumber"]}
    ]
    assert candle_row(db)[-1] == 1


def admin_request(path: str, query: dict[str, str], groups: str | None = "admin") -> dict[str, Any]:
    claims = {"sub": "admin-1"} | ({"cognito:groups": groups} if groups is not None else {})
    event = {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()},
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "requestId": "r-1",
            "resourcePath": path,
            "httpMethod": "GET",
            "stage": "dev",
            "path": path,
            "authorizer": {"claims": claims},
        },
    }
    response: dict[str, Any] = api.handler(event, FakeLambdaContext())
    return response


def test_admin_reads_the_hourly_candles_as_decimal_strings(db: str) -> None:
    consume_payloads([trade(1, "100", "2"), trade(2, "110", "1")])
    window = {"symbol": "BTCUSDT", "startTime": str(T0), "endTime": str(T0 + HOUR_MS)}

    response = admin_request("/v1/admin/analytics/ohlcv", window)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == [
        {
            "symbol": "BTCUSDT",
            "openTime": T0,
            "open": "100.00000000",
            "high": "110.00000000",
            "low": "100.00000000",
            "close": "110.00000000",
            "volume": "3.00000000",
            "quoteVolume": "310.00000000",
            "trades": 2,
        }
    ]


def test_admin_reads_volume_by_user_and_fee_revenue(db: str) -> None:
    consume_payloads([trade(1, "100", "2", maker="alice", taker="bob")])
    window = {"startTime": str(T0), "endTime": str(T0 + HOUR_MS)}

    volume = json.loads(admin_request("/v1/admin/analytics/volume", window | {"userId": "alice"})["body"])
    fees = json.loads(admin_request("/v1/admin/analytics/fees", window)["body"])

    assert volume == [
        {
            "userId": "alice",
            "symbol": "BTCUSDT",
            "volume": "2.00000000",
            "quoteVolume": "200.00000000",
            "fees": "0.20000000",
            "makerTrades": 1,
            "takerTrades": 0,
        }
    ]
    assert fees == [{"symbol": "BTCUSDT", "asset": "USDT", "fees": "0.40000000", "trades": 1}]


@pytest.mark.parametrize("groups", [None, "traders", "[traders, support]"])
def test_analytics_are_forbidden_without_the_admin_group(db: str, groups: str | None) -> None:
    response = admin_request("/v1/admin/analytics/fees", {}, groups=groups)
    assert response["statusCode"] == 403


def test_admin_group_is_recognised_in_api_gateways_flattened_list() -> None:
    assert "admin" in api.groups_of({"cognito:groups": "[traders, admin]"})
    assert "admin" in api.groups_of({"cognito:groups": ["admin"]})
