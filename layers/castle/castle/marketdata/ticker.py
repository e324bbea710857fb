"""The 24h rolling ticker, from one-minute bars (so its window is 24h at minute granularity)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from castle.marketdata.book import Level
from castle.marketdata.intervals import DAY_MS, MINUTE_MS
from castle.marketdata.klines import Kline
from castle.marketdata.trades import PublicTrade

ZERO = Decimal(0)
_PERCENT_PLACES = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class Ticker:
    symbol: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    last_quantity: Decimal
    previous_close: Decimal
    volume: Decimal
    quote_volume: Decimal
    first_trade_id: int
    last_trade_id: int
    count: int
    best_bid: Level | None
    best_ask: Level | None

    @property
    def price_change(self) -> Decimal:
        return self.last - self.open

    @property
    def price_change_percent(self) -> Decimal:
        if self.open == ZERO:
            return ZERO.quantize(_PERCENT_PLACES)
        return (self.price_change * 100 / self.open).quantize(_PERCENT_PLACES, rounding=ROUND_HALF_EVEN)

    @property
    def weighted_average_price(self) -> Decimal:
        return self.quote_volume / self.volume if self.volume else ZERO


def window_start(now_ms: int, window_ms: int = DAY_MS) -> int:
    """Open time of the first one-minute bar inside the window ending at now."""
    return (now_ms - window_ms) // MINUTE_MS * MINUTE_MS + MINUTE_MS


def rolling_ticker(
    symbol: str,
    minute_bars: list[Kline],
    *,
    now_ms: int,
    previous_close: Decimal | None,
    last_trade: PublicTrade | None,
    best_bid: Level | None,
    best_ask: Level | None,
    window_ms: int = DAY_MS,
) -> Ticker:
    """Statistics over the one-minute bars opening inside [window_start, now]; empty window -> zeros
    with ids -1 as on Binance, the price staying at the last trade's."""
    start = window_start(now_ms, window_ms)
    bars = sorted((b for b in minute_bars if start <= b.open_time <= now_ms), key=lambda b: b.open_time)
    last_price = last_trade.price if last_trade else ZERO
    if not bars:
        return Ticker(
            symbol=symbol,
            open_time=now_ms - window_ms,
            close_time=now_ms,
            open=last_price,
            high=last_price,
            low=last_price,
            last=last_price,
            last_quantity=ZERO,
            previous_close=previous_close if previous_close is not None else last_price,
            volume=ZERO,
            quote_volume=ZERO,
            first_trade_id=-1,
            last_trade_id=-1,
            count=0,
            best_bid=best_bid,
            best_ask=best_ask,
        )
    return Ticker(
        symbol=symbol,
        open_time=now_ms - window_ms,
        close_time=now_ms,
        open=bars[0].open,
        high=max(b.high for b in bars),
        low=min(b.low for b in bars),
        last=bars[-1].close,
        last_quantity=last_trade.quantity if last_trade else ZERO,
        previous_close=previous_close if previous_close is not None else ZERO,
        volume=sum((b.volume for b in bars), ZERO),
        quote_volume=sum((b.quote_volume for b in bars), ZERO),
        first_trade_id=bars[0].first_trade_id,
        last_trade_id=bars[-1].last_trade_id,
        count=sum(b.trades for b in bars),
        best_bid=best_bid,
        best_ask=best_ask,
    )


def average_price(minute_bars: list[Kline], *, now_ms: int, minutes: int = 5) -> Decimal | None:
    """Binance avgPrice: volume-weighted price of the last `minutes` minutes; None without trades."""
    start = now_ms - minutes * MINUTE_MS
    bars = [b for b in minute_bars if b.close_time >= start and b.open_time <= now_ms]
    volume = sum((b.volume for b in bars), ZERO)
    if not volume:
        return None
    return sum((b.quote_volume for b in bars), ZERO) / volume
