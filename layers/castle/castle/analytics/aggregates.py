"""Aggregates of engine trades, per hour: OHLCV per symbol, volume per (user, symbol), fee revenue.

Pure: no database, no clock. Amounts are integer minor units (1e-8); prices stay exact Decimals.
Every aggregate merges associatively and commutatively (open/close are chosen by the engine's
per-symbol `seq`, not by arrival order), so the store can upsert in any order and get the same result.
Fees follow the ledger: floor(quote_minor * fee_bps / 10000), maker and taker each pay their own rate,
both in the quote asset.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from castle.contracts.events import Trade
from castle.domain.markets import market
from castle.domain.money import to_minor

HOUR_MS = 3_600_000


def hour_start_ms(ts_ms: int) -> int:
    return ts_ms - ts_ms % HOUR_MS


def fee_minor(quote_minor: int, fee_bps: int) -> int:
    return quote_minor * fee_bps // 10_000


@dataclass
class Candle:
    symbol: str
    hour_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    first_seq: int
    last_seq: int
    base_volume_minor: int = 0
    quote_volume_minor: int = 0
    trade_count: int = 0

    def merge(self, other: "Candle") -> None:
        if other.first_seq < self.first_seq:
            self.open, self.first_seq = other.open, other.first_seq
        if other.last_seq > self.last_seq:
            self.close, self.last_seq = other.close, other.last_seq
        self.high = max(self.high, other.high)
        self.low = min(self.low, other.low)
        self.base_volume_minor += other.base_volume_minor
        self.quote_volume_minor += other.quote_volume_minor
        self.trade_count += other.trade_count


@dataclass
class UserVolume:
    user_id: str
    symbol: str
    hour_ms: int
    base_volume_minor: int = 0
    quote_volume_minor: int = 0
    fee_minor: int = 0
    maker_trades: int = 0
    taker_trades: int = 0

    def merge(self, other: "UserVolume") -> None:
        self.base_volume_minor += other.base_volume_minor
        self.quote_volume_minor += other.quote_volume_minor
        self.fee_minor += other.fee_minor
        self.maker_trades += other.maker_trades
        self.taker_trades += other.taker_trades


@dataclass
class FeeRevenue:
    symbol: str
    hour_ms: int
    asset: str
    fee_minor: int = 0
    trade_count: int = 0

    def merge(self, other: "FeeRevenue") -> None:
        self.fee_minor += other.fee_minor
        self.trade_count += other.trade_count


@dataclass
class Aggregates:
    candles: dict[tuple[str, int], Candle] = field(default_factory=dict)
    user_volumes: dict[tuple[str, str, int], UserVolume] = field(default_factory=dict)
    fees: dict[tuple[str, int], FeeRevenue] = field(default_factory=dict)

    def add_trade(self, trade: Trade) -> None:
        listing = market(trade.symbol)
        hour = hour_start_ms(trade.ts_ms)
        base = to_minor(trade.quantity)
        quote = to_minor(trade.quote_quantity)
        maker_fee = fee_minor(quote, listing.maker_fee_bps)
        taker_fee = fee_minor(quote, listing.taker_fee_bps)

        candle = Candle(
            trade.symbol,
            hour,
            trade.price,
            trade.price,
            trade.price,
            trade.price,
            trade.seq,
            trade.seq,
            base,
            quote,
            1,
        )
        _merge_into(self.candles, (trade.symbol, hour), candle)
        maker = UserVolume(trade.maker_user_id, trade.symbol, hour, base, quote, maker_fee, 1, 0)
        taker = UserVolume(trade.taker_user_id, trade.symbol, hour, base, quote, taker_fee, 0, 1)
        _merge_into(self.user_volumes, (maker.user_id, trade.symbol, hour), maker)
        _merge_into(self.user_volumes, (taker.user_id, trade.symbol, hour), taker)
        revenue = FeeRevenue(trade.symbol, hour, listing.quote_asset, maker_fee + taker_fee, 1)
        _merge_into(self.fees, (trade.symbol, hour), revenue)


K = TypeVar("K")
V = TypeVar("V", Candle, UserVolume, FeeRevenue)


def _merge_into(into: dict[K, V], key: K, value: V) -> None:
    existing = into.get(key)
    if existing is None:
        into[key] = value
    else:
        existing.merge(value)


def aggregate(trades: Iterable[Trade]) -> Aggregates:
    result = Aggregates()
    for trade in trades:
        result.add_trade(trade)
    return result
