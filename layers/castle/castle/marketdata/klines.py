"""Kline (candlestick) bars built trade by trade."""

from dataclasses import dataclass, replace
from decimal import Decimal

from castle.marketdata.intervals import close_time, open_time
from castle.marketdata.trades import PublicTrade

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Kline:
    symbol: str
    interval: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int
    taker_buy_volume: Decimal
    taker_buy_quote_volume: Decimal
    first_trade_id: int
    last_trade_id: int


def apply_trade(current: Kline | None, interval: str, trade: PublicTrade) -> Kline:
    """The bar of `interval` holding `trade` after it: `current` grown if it is that bar, else a new bar."""
    start = open_time(interval, trade.time)
    taker_buy = not trade.is_buyer_maker
    buy_qty = trade.quantity if taker_buy else ZERO
    buy_quote = trade.quote_quantity if taker_buy else ZERO
    if current is None or current.open_time != start:
        return Kline(
            symbol=trade.symbol,
            interval=interval,
            open_time=start,
            close_time=close_time(interval, start),
            open=trade.price,
            high=trade.price,
            low=trade.price,
            close=trade.price,
            volume=trade.quantity,
            quote_volume=trade.quote_quantity,
            trades=1,
            taker_buy_volume=buy_qty,
            taker_buy_quote_volume=buy_quote,
            first_trade_id=trade.trade_id,
            last_trade_id=trade.trade_id,
        )
    return replace(
        current,
        high=max(current.high, trade.price),
        low=min(current.low, trade.price),
        close=trade.price,
        volume=current.volume + trade.quantity,
        quote_volume=current.quote_volume + trade.quote_quantity,
        trades=current.trades + 1,
        taker_buy_volume=current.taker_buy_volume + buy_qty,
        taker_buy_quote_volume=current.taker_buy_quote_volume + buy_quote,
        last_trade_id=trade.trade_id,
    )
