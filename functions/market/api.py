"""Public Binance market data endpoints: /api/v3/exchangeInfo, depth, trades, historicalTrades,
aggTrades, klines, uiKlines, ticker/24hr, ticker/price, ticker/bookTicker, avgPrice."""

import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.dynamo_marketdata import DynamoMarketData
from castle.domain.markets import MARKETS
from castle.http import install_error_handlers
from castle.marketdata.exchange_info import exchange_info
from castle.marketdata.queries import MarketQueries, Params
from castle.observability import logger, tracer

app = APIGatewayRestResolver()
install_error_handlers(app)

Json = dict[str, Any]


@lru_cache(maxsize=1)
def store() -> DynamoMarketData:
    return DynamoMarketData.from_settings()


def queries() -> MarketQueries:
    return MarketQueries(store())


def params() -> Params:
    return dict(app.current_event.query_string_parameters or {})


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@app.get("/api/v3/exchangeInfo")
def get_exchange_info() -> Json:
    statuses = {symbol: state.status for symbol, state in store().load_states(list(MARKETS)).items()}
    return exchange_info(params(), statuses, now_ms())


@app.get("/api/v3/depth")
def get_depth() -> Json:
    return queries().depth(params())


@app.get("/api/v3/trades")
def get_trades() -> list[Json]:
    return queries().trades(params())


@app.get("/api/v3/historicalTrades")
def get_historical_trades() -> list[Json]:
    return queries().trades(params(), historical=True)


@app.get("/api/v3/aggTrades")
def get_agg_trades() -> list[Json]:
    return queries().agg_trades(params())


@app.get("/api/v3/klines")
@app.get("/api/v3/uiKlines")
def get_klines() -> list[list[Any]]:
    return queries().klines(params())


@app.get("/api/v3/ticker/24hr")
def get_ticker_24h() -> Json | list[Json]:
    return queries().ticker_24h(params(), now_ms())


@app.get("/api/v3/ticker/price")
def get_ticker_price() -> Json | list[Json]:
    return queries().ticker_price(params())


@app.get("/api/v3/ticker/bookTicker")
def get_book_ticker() -> Json | list[Json]:
    return queries().book_ticker(params())


@app.get("/api/v3/avgPrice")
def get_avg_price() -> Json:
    return queries().avg_price(params(), now_ms())


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
