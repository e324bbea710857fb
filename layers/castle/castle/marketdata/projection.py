"""What one engine event changes in a symbol's public market data.

The consumer keeps one SymbolState per symbol (its last applied `seq` is the exactly-once cursor)
and stores what `project` returns. The state is mutated in place; the caller drops it on failure.
"""

from dataclasses import dataclass, field, replace

from castle.contracts.events import DepthUpdate, EngineEvent, SymbolStatusChanged, Trade
from castle.marketdata.book import DepthDiff, L2Book
from castle.marketdata.intervals import KLINE_INTERVALS
from castle.marketdata.klines import Kline, apply_trade
from castle.marketdata.trades import AggTrade, PublicTrade, extend_aggregate


@dataclass(slots=True)
class SymbolState:
    symbol: str
    last_seq: int = 0
    status: str = "TRADING"
    book: L2Book = field(default_factory=L2Book)
    last_trade: PublicTrade | None = None
    aggregate: AggTrade | None = None
    klines: dict[str, Kline] = field(default_factory=dict)
    updated_ms: int = 0

    def clone(self) -> "SymbolState":
        """An independent copy (levels and klines copied; trades and bars are immutable)."""
        return replace(
            self,
            book=L2Book(self.book.last_update_id, dict(self.book.bids), dict(self.book.asks)),
            klines=dict(self.klines),
        )


@dataclass(frozen=True, slots=True)
class Projection:
    trade: PublicTrade | None = None
    aggregate: AggTrade | None = None
    klines: tuple[Kline, ...] = ()
    depth: DepthDiff | None = None


class OutOfOrderEventError(Exception):
    """An event for another symbol, or one the state has already applied."""


def project(state: SymbolState, event: EngineEvent) -> Projection:
    """Apply one event (seq > state.last_seq) to the state; what to store."""
    if event.symbol != state.symbol or event.seq <= state.last_seq:
        raise OutOfOrderEventError(f"{event.symbol}#{event.seq} on {state.symbol}#{state.last_seq}")
    state.last_seq = event.seq
    state.updated_ms = max(state.updated_ms, event.ts_ms)
    if isinstance(event, Trade):
        trade = PublicTrade.from_event(event)
        state.last_trade = trade
        state.aggregate = extend_aggregate(state.aggregate, trade)
        for interval in KLINE_INTERVALS:
            state.klines[interval] = apply_trade(state.klines.get(interval), interval, trade)
        return Projection(
            trade=trade,
            aggregate=state.aggregate,
            klines=tuple(state.klines[i] for i in KLINE_INTERVALS),
        )
    if isinstance(event, DepthUpdate):
        diff = DepthDiff.from_event(event)
        # The server's book follows the engine whatever its ids; clients apply the strict rule.
        if state.book.apply(diff, strict=False):
            return Projection(depth=diff)
        return Projection()
    if isinstance(event, SymbolStatusChanged):
        state.status = event.status
    return Projection()
