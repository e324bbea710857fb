"""Public market endpoints over the consumer's tables, after a real engine session."""

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from market.api import handler as market_handler
from marketdata.consume import handler as consume_handler

from castle.contracts.events import Trade
from castle.marketdata.intervals import KLINE_INTERVALS
from tests.support.engine_session import Session, kinesis_event, random_session
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext

pytestmark = pytest.mark.usefixtures("market_tables")


def get(path: str, **params: str) -> tuple[int, Any]:
    event = load_event("market/depth.json") | {
        "path": path,
        "resource": path,
        "queryStringParameters": params or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in params.items()} or None,
    }
    response = market_handler(event, FakeLambdaContext())
    return int(response["statusCode"]), json.loads(response["body"])


def traded(commands: int = 40) -> Session:
    session = random_session(commands)
    consume_handler(kinesis_event(session.events), FakeLambdaContext())
    return session


def test_depth_equals_the_engine_book_with_its_update_id() -> None:
    session = traded()

    status, depth = get("/api/v3/depth", symbol="BTCUSDT", limit="5000")

    assert status == 200
    assert depth == session.engine_depth(5000)


def test_depth_limit_cuts_each_side() -> None:
    traded()
    _, depth = get("/api/v3/depth", symbol="BTCUSDT", limit="2")
    assert len(depth["bids"]) <= 2 and len(depth["asks"]) <= 2


def test_recent_trades_are_the_session_trades_oldest_first() -> None:
    session = traded()
    trades = [e for e in session.events if isinstance(e, Trade)]

    _, body = get("/api/v3/trades", symbol="BTCUSDT", limit="1000")

    assert [t["id"] for t in body] == [t.trade_id for t in trades]
    assert body[-1]["price"] == f"{trades[-1].price:.8f}"
    assert body[-1]["isBuyerMaker"] == (trades[-1].taker_side == "SELL")


def test_aggregate_trades_cover_every_trade_once() -> None:
    session = traded()
    trades = [e for e in session.events if isinstance(e, Trade)]

    _, body = get("/api/v3/aggTrades", symbol="BTCUSDT", limit="1000")

    covered = [i for agg in body for i in range(agg["f"], agg["l"] + 1)]
    assert covered == [t.trade_id for t in trades]
    assert sum(Decimal(a["q"]) for a in body) == sum(t.quantity for t in trades)


def test_klines_of_every_interval_count_every_trade() -> None:
    session = traded()
    trade_count = sum(isinstance(e, Trade) for e in session.events)

    for interval in KLINE_INTERVALS:
        status, bars = get("/api/v3/klines", symbol="BTCUSDT", interval=interval, startTime="0", limit="1000")
        assert status == 200
        assert sum(bar[8] for bar in bars) == trade_count, interval
        assert all(len(bar) == 12 and bar[6] > bar[0] for bar in bars)


def test_ticker_price_is_the_last_trade_price() -> None:
    session = traded()
    last = [e for e in session.events if isinstance(e, Trade)][-1]

    _, body = get("/api/v3/ticker/price", symbol="BTCUSDT")

    assert body == {"symbol": "BTCUSDT", "price": f"{last.price:.8f}"}


def test_book_ticker_is_the_top_of_the_engine_book() -> None:
    session = traded()
    depth = session.engine_depth(1)

    _, body = get("/api/v3/ticker/bookTicker", symbol="BTCUSDT")

    assert [body["bidPrice"], body["bidQty"]] == depth["bids"][0]
    assert [body["askPrice"], body["askQty"]] == depth["asks"][0]


def test_ticker_24hr_for_all_symbols_is_a_list_in_the_full_shape() -> None:
    status, body = get("/api/v3/ticker/24hr")
    assert status == 200
    assert {t["symbol"] for t in body} == {"BTCUSDT", "ETHUSDT", "ETHBTC"}
    assert {"priceChangePercent", "weightedAvgPrice", "firstId", "lastId", "count"} <= set(body[0])


def test_exchange_info_lists_symbols_with_filters_and_order_types() -> None:
    status, body = get("/api/v3/exchangeInfo", symbol="BTCUSDT")

    assert status == 200
    (symbol,) = body["symbols"]
    assert (symbol["symbol"], symbol["status"], symbol["baseAsset"], symbol["quoteAsset"]) == (
        "BTCUSDT",
        "TRADING",
        "BTC",
        "USDT",
    )
    filters = {f["filterType"]: f for f in symbol["filters"]}
    assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert filters["LOT_SIZE"]["stepSize"] == "0.00010000"
    assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
    assert "LIMIT" in symbol["orderTypes"] and "MARKET" in symbol["orderTypes"]
    assert body["rateLimits"] and body["timezone"] == "UTC"


def test_exchange_info_accepts_a_json_array_of_symbols() -> None:
    _, body = get("/api/v3/exchangeInfo", symbols='["ETHBTC","BTCUSDT"]')
    assert [s["symbol"] for s in body["symbols"]] == ["ETHBTC", "BTCUSDT"]


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/api/v3/depth", {"symbol": "NOPE"}, -1121),
        ("/api/v3/depth", {}, -1102),
        ("/api/v3/klines", {"symbol": "BTCUSDT", "interval": "2m"}, -1120),
        ("/api/v3/klines", {"symbol": "BTCUSDT"}, -1102),
        ("/api/v3/trades", {"symbol": "BTCUSDT", "limit": "-5"}, -1100),
        ("/api/v3/ticker/price", {"symbol": "BTCUSDT", "symbols": '["BTCUSDT"]'}, -1128),
        ("/api/v3/exchangeInfo", {"symbols": "BTCUSDT"}, -1100),
        ("/api/v3/exchangeInfo", {"symbols": '["BTCUSDT","NOPE"]'}, -1121),
    ],
)
def test_bad_parameters_get_binance_errors(path: str, params: dict[str, str], code: int) -> None:
    status, body = get(path, **params)
    assert status == 400
    assert body["code"] == code and body["msg"]


PATHS = [
    "/api/v3/depth",
    "/api/v3/trades",
    "/api/v3/historicalTrades",
    "/api/v3/aggTrades",
    "/api/v3/klines",
    "/api/v3/uiKlines",
    "/api/v3/ticker/24hr",
    "/api/v3/ticker/price",
    "/api/v3/ticker/bookTicker",
    "/api/v3/avgPrice",
    "/api/v3/exchangeInfo",
]
NAMES = ["symbol", "symbols", "limit", "interval", "startTime", "endTime", "fromId", "type", "symbolStatus"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(PATHS),
    params=st.dictionaries(
        st.sampled_from(NAMES),
        st.one_of(st.text(max_size=30), st.sampled_from(["BTCUSDT", "1m", "1M", "0", "5000", '["ETHBTC"]'])),
        max_size=5,
    ),
)
def test_no_input_ever_produces_a_server_error(path: str, params: dict[str, str]) -> None:
    status, body = get(path, **params)
    assert status < 500
    if status >= 400:
        assert isinstance(body["code"], int) and body["code"] < 0
