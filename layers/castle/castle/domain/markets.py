"""The symbols Castle lists and their trading rules (Binance PRICE_FILTER / LOT_SIZE / NOTIONAL).

Inside the engine prices are integer ticks and quantities integer lots. tick_size * lot_size must be
a whole number of quote minor units (1e-8), so that a fill's quote amount is always exact.
"""

from dataclasses import dataclass
from decimal import Decimal

from castle.domain.money import MINOR_UNITS_PER_UNIT


class UnknownSymbolError(LookupError):
    """The symbol is not listed on Castle."""


@dataclass(frozen=True, slots=True)
class Market:
    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: Decimal
    lot_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_price: Decimal
    max_price: Decimal
    min_notional: Decimal
    maker_fee_bps: int = 10
    taker_fee_bps: int = 10

    @property
    def quote_minor_per_tick_lot(self) -> int:
        """Quote minor units of one tick of price times one lot of quantity."""
        value = self.tick_size * self.lot_size * MINOR_UNITS_PER_UNIT
        if value != value.to_integral_value():
            raise ValueError(f"{self.symbol}: tick_size * lot_size is finer than 1e-8")
        return int(value)

    @property
    def base_minor_per_lot(self) -> int:
        return int(self.lot_size * MINOR_UNITS_PER_UNIT)

    @property
    def price_precision(self) -> int:
        return max(0, -int(self.tick_size.normalize().as_tuple().exponent))

    @property
    def quantity_precision(self) -> int:
        return max(0, -int(self.lot_size.normalize().as_tuple().exponent))

    def price_to_ticks(self, price: Decimal) -> int:
        ticks = price / self.tick_size
        if ticks != ticks.to_integral_value():
            raise ValueError("price is not a multiple of the tick size")
        return int(ticks)

    def quantity_to_lots(self, quantity: Decimal) -> int:
        lots = quantity / self.lot_size
        if lots != lots.to_integral_value():
            raise ValueError("quantity is not a multiple of the lot size")
        return int(lots)

    def ticks_to_price(self, ticks: int) -> Decimal:
        return (self.tick_size * ticks).quantize(Decimal(1).scaleb(-8))

    def lots_to_quantity(self, lots: int) -> Decimal:
        return (self.lot_size * lots).quantize(Decimal(1).scaleb(-8))


def _market(symbol: str, base: str, quote: str, tick: str, lot: str, min_notional: str) -> Market:
    return Market(
        symbol=symbol,
        base_asset=base,
        quote_asset=quote,
        tick_size=Decimal(tick),
        lot_size=Decimal(lot),
        min_qty=Decimal(lot),
        max_qty=Decimal("9000"),
        min_price=Decimal(tick),
        max_price=Decimal("1000000"),
        min_notional=Decimal(min_notional),
    )


MARKETS: dict[str, Market] = {
    m.symbol: m
    for m in (
        _market("BTCUSDT", "BTC", "USDT", "0.01", "0.0001", "5"),
        _market("ETHUSDT", "ETH", "USDT", "0.01", "0.0001", "5"),
        _market("ETHBTC", "ETH", "BTC", "0.00001", "0.001", "0.0001"),
    )
}

ASSETS: tuple[str, ...] = ("BTC", "ETH", "USDT")


def market(symbol: str) -> Market:
    try:
        return MARKETS[symbol]
    except KeyError as exc:
        raise UnknownSymbolError(symbol) from exc
