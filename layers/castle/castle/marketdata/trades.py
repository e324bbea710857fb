"""Public trades and Binance aggregate trades (same taker order, same price, same time)."""

from dataclasses import dataclass, replace
from decimal import Decimal

from castle.contracts.events import Trade


@dataclass(frozen=True, slots=True)
class PublicTrade:
    symbol: str
    trade_id: int
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    time: int
    is_buyer_maker: bool
    taker_order_id: int

    @classmethod
    def from_event(cls, event: Trade) -> "PublicTrade":
        return cls(
            symbol=event.symbol,
            trade_id=event.trade_id,
            price=event.price,
            quantity=event.quantity,
            quote_quantity=event.quote_quantity,
            time=event.ts_ms,
            # The taker sold, so the buyer was resting on the book.
            is_buyer_maker=event.taker_side == "SELL",
            taker_order_id=event.taker_order_id,
        )


@dataclass(frozen=True, slots=True)
class AggTrade:
    """Binance aggTrade. Its id is its first trade id: unique, increasing, and stable on replay."""

    symbol: str
    agg_id: int
    price: Decimal
    quantity: Decimal
    first_trade_id: int
    last_trade_id: int
    time: int
    is_buyer_maker: bool
    taker_order_id: int


def extend_aggregate(current: AggTrade | None, trade: PublicTrade) -> AggTrade:
    """The aggregate `trade` belongs to: `current` grown by it, or a new one starting at it."""
    if (
        current is not None
        and current.taker_order_id == trade.taker_order_id
        and current.price == trade.price
        and current.time == trade.time
        and current.last_trade_id < trade.trade_id
    ):
        return replace(current, quantity=current.quantity + trade.quantity, last_trade_id=trade.trade_id)
    return AggTrade(
        symbol=trade.symbol,
        agg_id=trade.trade_id,
        price=trade.price,
        quantity=trade.quantity,
        first_trade_id=trade.trade_id,
        last_trade_id=trade.trade_id,
        time=trade.time,
        is_buyer_maker=trade.is_buyer_maker,
        taker_order_id=trade.taker_order_id,
    )


def aggregate(trades: list[PublicTrade]) -> list[AggTrade]:
    """Group trades (in trade id order) into aggregates."""
    result: list[AggTrade] = []
    for trade in trades:
        grown = extend_aggregate(result[-1] if result else None, trade)
        if result and grown.agg_id == result[-1].agg_id:
            result[-1] = grown
        else:
            result.append(grown)
    return result
