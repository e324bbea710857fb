"""The L2 order book of one symbol, kept from the engine's depth diffs (Binance's U/u rules)."""

from dataclasses import dataclass, field
from decimal import Decimal

from castle.contracts.events import DepthUpdate

ZERO = Decimal(0)
Level = tuple[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class DepthDiff:
    """Binance depthUpdate: levels to set (quantity 0 removes), update ids U..u."""

    symbol: str
    first_update_id: int
    last_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    time: int = 0

    @classmethod
    def from_event(cls, event: DepthUpdate) -> "DepthDiff":
        return cls(
            symbol=event.symbol,
            first_update_id=event.first_update_id,
            last_update_id=event.last_update_id,
            bids=tuple(event.bids),
            asks=tuple(event.asks),
            time=event.ts_ms,
        )


class DepthGapError(Exception):
    """A diff starts after the book's next update id: updates were missed, resynchronise."""


@dataclass(slots=True)
class L2Book:
    last_update_id: int = 0
    bids: dict[Decimal, Decimal] = field(default_factory=dict)
    asks: dict[Decimal, Decimal] = field(default_factory=dict)

    def apply(self, diff: DepthDiff, *, strict: bool = True) -> bool:
        """Apply a diff; False if it is entirely old. strict: refuse a gap (a client's rule)."""
        if diff.last_update_id <= self.last_update_id:
            return False
        if strict and self.last_update_id and diff.first_update_id > self.last_update_id + 1:
            raise DepthGapError(f"{diff.symbol}: U={diff.first_update_id} after u={self.last_update_id}")
        for side, levels in ((self.bids, diff.bids), (self.asks, diff.asks)):
            for price, quantity in levels:
                if quantity == ZERO:
                    side.pop(price, None)
                else:
                    side[price] = quantity
        self.last_update_id = diff.last_update_id
        return True

    def top_bids(self, limit: int | None = None) -> list[Level]:
        return sorted(self.bids.items(), key=lambda level: level[0], reverse=True)[:limit]

    def top_asks(self, limit: int | None = None) -> list[Level]:
        return sorted(self.asks.items(), key=lambda level: level[0])[:limit]

    def best_bid(self) -> Level | None:
        return max(self.bids.items(), key=lambda level: level[0]) if self.bids else None

    def best_ask(self) -> Level | None:
        return min(self.asks.items(), key=lambda level: level[0]) if self.asks else None


def merge_diffs(diffs: list[DepthDiff]) -> DepthDiff | None:
    """Consecutive diffs as one (U of the first, u of the last, the last quantity per level)."""
    if not diffs:
        return None
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    for diff in diffs:
        bids.update(diff.bids)
        asks.update(diff.asks)
    return DepthDiff(
        symbol=diffs[0].symbol,
        first_update_id=diffs[0].first_update_id,
        last_update_id=diffs[-1].last_update_id,
        bids=tuple(bids.items()),
        asks=tuple(asks.items()),
        time=diffs[-1].time,
    )
