"""Public market data queries (Binance /api/v3 market endpoints), over the MarketDataStore port.

Parameters arrive as raw strings; every bad one is a CastleError (4xx with a Binance code).
"""

import json
from decimal import Decimal
from typing import Any

from castle.domain.markets import MARKETS
from castle.errors import BadParameterError, CastleError, InvalidSymbolError, MandatoryParameterError
from castle.marketdata import payloads
from castle.marketdata.decimals import fmt
from castle.marketdata.intervals import KLINE_INTERVALS, MINUTE_MS
from castle.marketdata.ports import MarketDataStore
from castle.marketdata.projection import SymbolState
from castle.marketdata.ticker import Ticker, average_price, rolling_ticker, window_start

Json = dict[str, Any]
Params = dict[str, str]


class InvalidIntervalError(CastleError):
    code = -1120
    default_message = "Invalid interval."


class BadParameterComboError(CastleError):
    code = -1128
    default_message = "Combination of optional parameters invalid."


def _mandatory(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise MandatoryParameterError(
            f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
        )
    return value


def symbol_param(params: Params) -> str:
    symbol = _mandatory(params, "symbol")
    if symbol not in MARKETS:
        raise InvalidSymbolError()
    return symbol


def symbols_param(params: Params) -> list[str]:
    """`symbol`, or `symbols` as a JSON array, or every listed symbol."""
    if "symbol" in params and "symbols" in params:
        raise BadParameterComboError("Parameter 'symbol' and 'symbols' cannot be used in combination.")
    if "symbol" in params:
        return [symbol_param(params)]
    raw = params.get("symbols")
    if raw is None:
        return list(MARKETS)
    try:
        symbols = json.loads(raw)
    except ValueError as exc:
        raise BadParameterError("Parameter 'symbols' must be a JSON array of symbols.") from exc
    if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) for s in symbols):
        raise BadParameterError("Parameter 'symbols' must be a JSON array of symbols.")
    if any(s not in MARKETS for s in symbols):
        raise InvalidSymbolError()
    return list(dict.fromkeys(symbols))


def int_param(params: Params, name: str, *, default: int | None = None, minimum: int = 0) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise BadParameterError(
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."
        )
    value = int(raw)
    if value < minimum:
        raise BadParameterError(f"Parameter '{name}' must be at least {minimum}.")
    return value


def limit_param(params: Params, *, default: int, maximum: int) -> int:
    value = int_param(params, "limit", default=default, minimum=1)
    assert value is not None
    return min(value, maximum)


def interval_param(params: Params) -> str:
    interval = _mandatory(params, "interval")
    if interval not in KLINE_INTERVALS:
        raise InvalidIntervalError()
    return interval


def _time_range(params: Params) -> tuple[int | None, int | None]:
    start = int_param(params, "startTime")
    end = int_param(params, "endTime")
    if start is not None and end is not None and start > end:
        raise BadParameterError("startTime must not be after endTime.")
    return start, end


class MarketQueries:
    def __init__(self, store: MarketDataStore) -> None:
        self._store = store

    def depth(self, params: Params) -> Json:
        symbol = symbol_param(params)
        limit = limit_param(params, default=100, maximum=5000)
        return payloads.depth_snapshot(self._store.load_state(symbol).book, limit)

    def trades(self, params: Params, *, historical: bool = False) -> list[Json]:
        symbol = symbol_param(params)
        limit = limit_param(params, default=500, maximum=1000)
        from_id = int_param(params, "fromId") if historical else None
        return [payloads.rest_trade(t) for t in self._store.recent_trades(symbol, limit, from_id=from_id)]

    def agg_trades(self, params: Params) -> list[Json]:
        symbol = symbol_param(params)
        limit = limit_param(params, default=500, maximum=1000)
        from_id = int_param(params, "fromId")
        start, end = _time_range(params)
        if from_id is not None and (start is not None or end is not None):
            raise BadParameterComboError("fromId cannot be combined with startTime/endTime.")
        aggs = self._store.agg_trades(symbol, limit, from_id=from_id, start_ms=start, end_ms=end)
        return [payloads.rest_agg_trade(a) for a in aggs]

    def klines(self, params: Params) -> list[list[Any]]:
        symbol = symbol_param(params)
        interval = interval_param(params)
        limit = limit_param(params, default=500, maximum=1000)
        start, end = _time_range(params)
        bars = self._store.klines(symbol, interval, limit, start_ms=start, end_ms=end)
        return [payloads.rest_kline(k) for k in bars]

    def ticker_24h(self, params: Params, now_ms: int) -> Json | list[Json]:
        mini = _ticker_type(params)
        tickers = [payloads.rest_ticker(t, mini=mini) for t in self._tickers(params, now_ms)]
        return tickers[0] if "symbol" in params else tickers

    def ticker_price(self, params: Params) -> Json | list[Json]:
        symbols = symbols_param(params)
        states = self._store.load_states(symbols)
        prices = [{"symbol": s, "price": fmt(_last_price(states[s]))} for s in symbols]
        return prices[0] if "symbol" in params else prices

    def book_ticker(self, params: Params) -> Json | list[Json]:
        symbols = symbols_param(params)
        states = self._store.load_states(symbols)
        books = [payloads.book_ticker(s, states[s].book) for s in symbols]
        return books[0] if "symbol" in params else books

    def avg_price(self, params: Params, now_ms: int) -> Json:
        symbol = symbol_param(params)
        bars = self._store.klines(symbol, "1m", 6, start_ms=now_ms - 6 * MINUTE_MS)
        state = self._store.load_state(symbol)
        price = average_price(bars, now_ms=now_ms)
        if price is None:
            price = state.last_trade.price if state.last_trade else Decimal(0)
        close_time = state.last_trade.time if state.last_trade else 0
        return {"mins": 5, "price": fmt(price), "closeTime": close_time}

    def ticker(self, symbol: str, now_ms: int) -> Ticker:
        """The rolling 24h ticker of one symbol (also what the @ticker streams push)."""
        start = window_start(now_ms)
        bars = self._store.klines(symbol, "1m", 1441, start_ms=start - MINUTE_MS)
        before = [b for b in bars if b.open_time < start]
        state = self._store.load_state(symbol)
        return rolling_ticker(
            symbol,
            bars,
            now_ms=now_ms,
            previous_close=before[-1].close if before else None,
            last_trade=state.last_trade,
            best_bid=state.book.best_bid(),
            best_ask=state.book.best_ask(),
        )

    def _tickers(self, params: Params, now_ms: int) -> list[Ticker]:
        return [self.ticker(symbol, now_ms) for symbol in symbols_param(params)]


def _last_price(state: SymbolState) -> Decimal:
    return state.last_trade.price if state.last_trade else Decimal(0)


def _ticker_type(params: Params) -> bool:
    kind = params.get("type", "FULL")
    if kind not in ("FULL", "MINI"):
        raise BadParameterError("Parameter 'type' must be FULL or MINI.")
    return kind == "MINI"
