"""What market data needs from storage and from the WebSocket gateway (adapters implement these)."""

from dataclasses import dataclass
from typing import Protocol

from castle.marketdata.book import DepthDiff
from castle.marketdata.klines import Kline
from castle.marketdata.orders import Fill, OrderView
from castle.marketdata.projection import Projection, SymbolState
from castle.marketdata.trades import AggTrade, PublicTrade


class StaleStateError(Exception):
    """Someone else advanced the symbol's cursor first: reload the state and re-apply."""


class MarketDataStore(Protocol):
    def load_state(self, symbol: str) -> SymbolState: ...

    def load_states(self, symbols: list[str]) -> dict[str, SymbolState]: ...

    def save_state(self, state: SymbolState, *, expected_seq: int) -> None:
        """Store the state if the stored cursor is still `expected_seq`, else StaleStateError."""
        ...

    def store_projection(self, projection: Projection, state: SymbolState) -> None:
        """Idempotent puts of what one event produced (same event, same items)."""
        ...

    def recent_trades(self, symbol: str, limit: int, from_id: int | None = None) -> list[PublicTrade]: ...

    def agg_trades(
        self,
        symbol: str,
        limit: int,
        *,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        at_or_before_id: int | None = None,
    ) -> list[AggTrade]: ...

    def klines(
        self,
        symbol: str,
        interval: str,
        limit: int,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Kline]: ...


class ExecutionStore(Protocol):
    def get_order(self, order_id: int) -> OrderView | None: ...

    def put_order(self, order: OrderView) -> bool:
        """Store unless the stored order already has last_seq >= order.last_seq; True if stored."""
        ...

    def put_fill(self, fill: Fill) -> None: ...

    def get_fill(self, order_id: int, trade_id: int) -> Fill | None: ...

    def fills(self, order_id: int) -> list[Fill]: ...


class ConnectionGoneError(Exception):
    """The WebSocket client has gone; its connection must be forgotten."""


class ConnectionPoster(Protocol):
    def post(self, connection_id: str, data: bytes) -> None:
        """Send one frame; ConnectionGoneError if the client has disconnected."""
        ...


__all__ = [
    "ConnectionGoneError",
    "ConnectionPoster",
    "DepthDiff",
    "ExecutionStore",
    "MarketDataStore",
    "StaleStateError",
]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A connection subscribed to a stream; subscription_id for user data streams."""

    connection_id: str
    combined: bool
    subscription_id: int | None = None


class ConnectionStore(Protocol):
    """WebSocket connections, their stream subscriptions and user data stream subscriptions."""

    def open(self, connection_id: str, *, now_ms: int, combined: bool) -> None: ...

    def close(self, connection_id: str) -> None:
        """Forget the connection and every subscription of it."""
        ...

    def exists(self, connection_id: str) -> bool: ...

    def subscribe(self, connection_id: str, streams: list[str]) -> None: ...

    def unsubscribe(self, connection_id: str, streams: list[str]) -> None: ...

    def streams_of(self, connection_id: str) -> list[str]: ...

    def combined(self, connection_id: str) -> bool: ...

    def set_combined(self, connection_id: str, combined: bool) -> None: ...

    def subscribe_user(self, connection_id: str, user_id: str) -> int:
        """Subscribe the connection to a user's data stream; the subscriptionId (same if again)."""
        ...

    def unsubscribe_user(self, connection_id: str, subscription_id: int | None) -> None: ...

    def user_subscriptions(self, connection_id: str) -> list[int]: ...

    def subscribers(self, stream: str) -> list[Subscriber]:
        """Connections subscribed to a stream name (or to `user#<user id>`)."""
        ...

    def subscribers_by_stream(self, topic: str) -> dict[str, list[Subscriber]]:
        """The subscribers of every stream of a topic (streams.topic_of), in one read; streams
        nobody is subscribed to are absent."""
        ...
