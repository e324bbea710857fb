"""Binance JSON shapes of market data: REST answers and WebSocket stream events."""

from decimal import Decimal
from typing import Any

from castle.domain.money import format_minor
from castle.ledger.models import Balance
from castle.marketdata.book import DepthDiff, L2Book, Level
from castle.marketdata.decimals import ZERO, fmt
from castle.marketdata.klines import Kline
from castle.marketdata.orders import Fill, OrderView
from castle.marketdata.ticker import Ticker
from castle.marketdata.trades import AggTrade, PublicTrade

Json = dict[str, Any]


def levels(side: list[Level] | tuple[Level, ...]) -> list[list[str]]:
    return [[fmt(price), fmt(quantity)] for price, quantity in side]


def depth_snapshot(book: L2Book, limit: int) -> Json:
    return {
        "lastUpdateId": book.last_update_id,
        "bids": levels(book.top_bids(limit)),
        "asks": levels(book.top_asks(limit)),
    }


def rest_trade(trade: PublicTrade) -> Json:
    return {
        "id": trade.trade_id,
        "price": fmt(trade.price),
        "qty": fmt(trade.quantity),
        "quoteQty": fmt(trade.quote_quantity),
        "time": trade.time,
        "isBuyerMaker": trade.is_buyer_maker,
        "isBestMatch": True,
    }


def rest_agg_trade(agg: AggTrade) -> Json:
    return {
        "a": agg.agg_id,
        "p": fmt(agg.price),
        "q": fmt(agg.quantity),
        "f": agg.first_trade_id,
        "l": agg.last_trade_id,
        "T": agg.time,
        "m": agg.is_buyer_maker,
        "M": True,
    }


def rest_kline(kline: Kline) -> list[Any]:
    return [
        kline.open_time,
        fmt(kline.open),
        fmt(kline.high),
        fmt(kline.low),
        fmt(kline.close),
        fmt(kline.volume),
        kline.close_time,
        fmt(kline.quote_volume),
        kline.trades,
        fmt(kline.taker_buy_volume),
        fmt(kline.taker_buy_quote_volume),
        "0",
    ]


def _best(level: Level | None) -> tuple[str, str]:
    return (fmt(level[0]), fmt(level[1])) if level else (fmt(ZERO), fmt(ZERO))


def rest_ticker(ticker: Ticker, mini: bool = False) -> Json:
    body: Json = {"symbol": ticker.symbol}
    if not mini:
        bid_price, bid_qty = _best(ticker.best_bid)
        ask_price, ask_qty = _best(ticker.best_ask)
        body |= {
            "priceChange": fmt(ticker.price_change),
            "priceChangePercent": f"{ticker.price_change_percent:f}",
            "weightedAvgPrice": fmt(ticker.weighted_average_price),
            "prevClosePrice": fmt(ticker.previous_close),
            "lastPrice": fmt(ticker.last),
            "lastQty": fmt(ticker.last_quantity),
            "bidPrice": bid_price,
            "bidQty": bid_qty,
            "askPrice": ask_price,
            "askQty": ask_qty,
        }
    body |= {
        "openPrice": fmt(ticker.open),
        "highPrice": fmt(ticker.high),
        "lowPrice": fmt(ticker.low),
        "lastPrice": fmt(ticker.last),
        "volume": fmt(ticker.volume),
        "quoteVolume": fmt(ticker.quote_volume),
        "openTime": ticker.open_time,
        "closeTime": ticker.close_time,
        "firstId": ticker.first_trade_id,
        "lastId": ticker.last_trade_id,
        "count": ticker.count,
    }
    return body


def book_ticker(symbol: str, book: L2Book) -> Json:
    bid_price, bid_qty = _best(book.best_bid())
    ask_price, ask_qty = _best(book.best_ask())
    return {
        "symbol": symbol,
        "bidPrice": bid_price,
        "bidQty": bid_qty,
        "askPrice": ask_price,
        "askQty": ask_qty,
    }


# --- WebSocket stream events -------------------------------------------------------------------


def depth_update_event(diff: DepthDiff, event_time: int) -> Json:
    return {
        "e": "depthUpdate",
        "E": event_time,
        "s": diff.symbol,
        "U": diff.first_update_id,
        "u": diff.last_update_id,
        "b": levels(diff.bids),
        "a": levels(diff.asks),
    }


def partial_depth_event(book: L2Book, levels_count: int) -> Json:
    return depth_snapshot(book, levels_count)


def trade_event(trade: PublicTrade, event_time: int) -> Json:
    return {
        "e": "trade",
        "E": event_time,
        "s": trade.symbol,
        "t": trade.trade_id,
        "p": fmt(trade.price),
        "q": fmt(trade.quantity),
        "T": trade.time,
        "m": trade.is_buyer_maker,
        "M": True,
    }


def agg_trade_event(agg: AggTrade, event_time: int) -> Json:
    return {"e": "aggTrade", "E": event_time, "s": agg.symbol} | rest_agg_trade(agg)


def kline_event(kline: Kline, event_time: int) -> Json:
    return {
        "e": "kline",
        "E": event_time,
        "s": kline.symbol,
        "k": {
            "t": kline.open_time,
            "T": kline.close_time,
            "s": kline.symbol,
            "i": kline.interval,
            "f": kline.first_trade_id,
            "L": kline.last_trade_id,
            "o": fmt(kline.open),
            "c": fmt(kline.close),
            "h": fmt(kline.high),
            "l": fmt(kline.low),
            "v": fmt(kline.volume),
            "n": kline.trades,
            "x": event_time > kline.close_time,
            "q": fmt(kline.quote_volume),
            "V": fmt(kline.taker_buy_volume),
            "Q": fmt(kline.taker_buy_quote_volume),
            "B": "0",
        },
    }


def ticker_event(ticker: Ticker, event_time: int) -> Json:
    bid_price, bid_qty = _best(ticker.best_bid)
    ask_price, ask_qty = _best(ticker.best_ask)
    return {
        "e": "24hrTicker",
        "E": event_time,
        "s": ticker.symbol,
        "p": fmt(ticker.price_change),
        "P": f"{ticker.price_change_percent:f}",
        "w": fmt(ticker.weighted_average_price),
        "x": fmt(ticker.previous_close),
        "c": fmt(ticker.last),
        "Q": fmt(ticker.last_quantity),
        "b": bid_price,
        "B": bid_qty,
        "a": ask_price,
        "A": ask_qty,
        "o": fmt(ticker.open),
        "h": fmt(ticker.high),
        "l": fmt(ticker.low),
        "v": fmt(ticker.volume),
        "q": fmt(ticker.quote_volume),
        "O": ticker.open_time,
        "C": ticker.close_time,
        "F": ticker.first_trade_id,
        "L": ticker.last_trade_id,
        "n": ticker.count,
    }


def mini_ticker_event(ticker: Ticker, event_time: int) -> Json:
    return {
        "e": "24hrMiniTicker",
        "E": event_time,
        "s": ticker.symbol,
        "c": fmt(ticker.last),
        "o": fmt(ticker.open),
        "h": fmt(ticker.high),
        "l": fmt(ticker.low),
        "v": fmt(ticker.volume),
        "q": fmt(ticker.quote_volume),
    }


def book_ticker_event(symbol: str, book: L2Book) -> Json:
    bid_price, bid_qty = _best(book.best_bid())
    ask_price, ask_qty = _best(book.best_ask())
    return {"u": book.last_update_id, "s": symbol, "b": bid_price, "B": bid_qty, "a": ask_price, "A": ask_qty}


# --- User data stream --------------------------------------------------------------------------

_NO_PRICE = fmt(ZERO)


def execution_report(
    order: OrderView,
    *,
    execution_type: str,
    event_time: int,
    fill: Fill | None = None,
    status: str | None = None,
) -> Json:
    """executionReport for NEW / TRADE / CANCELED / EXPIRED / REJECTED."""
    cumulative_qty = fill.cumulative_quantity if fill else order.executed_quantity
    cumulative_quote = fill.cumulative_quote_quantity if fill else order.cumulative_quote_quantity
    report: Json = {
        "e": "executionReport",
        "E": event_time,
        "s": order.symbol,
        "c": order.client_order_id,
        "S": order.side,
        "o": order.order_type,
        "f": order.time_in_force or "GTC",
        "q": fmt(order.quantity or ZERO),
        "p": fmt(order.price) if order.price is not None else _NO_PRICE,
        "P": fmt(order.stop_price) if order.stop_price is not None else _NO_PRICE,
        "F": _NO_PRICE,
        "g": order.order_list_id if order.order_list_id is not None else -1,
        "C": "",
        "x": execution_type,
        "X": status or (fill.status_after if fill else order.status),
        "r": order.reason if execution_type == "REJECTED" and order.reason else "NONE",
        "i": order.order_id,
        "l": fmt(fill.quantity) if fill else _NO_PRICE,
        "z": fmt(cumulative_qty),
        "L": fmt(fill.price) if fill else _NO_PRICE,
        "n": fmt(fill.commission) if fill else "0",
        "N": (fill.commission_asset or None) if fill else None,
        "T": fill.time if fill else order.updated_ms,
        "t": fill.trade_id if fill else -1,
        "I": fill.seq if fill else order.last_seq,
        "w": execution_type == "NEW" and order.status == "NEW",
        "m": fill.is_maker if fill else False,
        "M": False,
        "O": order.created_ms,
        "Z": fmt(cumulative_quote),
        "Y": fmt(fill.quote_quantity) if fill else _NO_PRICE,
        "Q": fmt(order.quote_quantity or ZERO),
        "W": order.created_ms,
        "V": "NONE",
    }
    return report


def account_position_event(balances: list[Balance], event_time: int, update_time: int) -> Json:
    return {
        "e": "outboundAccountPosition",
        "E": event_time,
        "u": update_time,
        "B": [
            {"a": b.asset, "f": format_minor(b.free_minor), "l": format_minor(b.locked_minor)}
            for b in balances
        ],
    }


def balance_update_event(asset: str, delta: Decimal, event_time: int, clear_time: int) -> Json:
    return {"e": "balanceUpdate", "E": event_time, "a": asset, "d": f"{delta:.8f}", "T": clear_time}
