"""The broadcaster: engine events -> Binance stream frames for subscribed WebSocket connections.

Real time, straight from the events: `<s>@depth@100ms` (one depthUpdate per engine depth event),
`<s>@trade`, user executionReports. Once per batch (`flush`): `<s>@depth` (the batch's diffs merged,
U of the first .. u of the last), `@bookTicker`, `@depth<N>`, `@aggTrade`, `@kline_<i>`, `@ticker`,
`@miniTicker`, read from what the market data consumer stored. The broadcaster therefore waits
(bounded) for the consumer's cursor to reach the events it needs, then reads its items.

Per symbol the stream is processed in order and a failed frame fails the record (and the rest of
the batch), so a client's depth diffs never have gaps; a retry may repeat frames, which Binance's
book-keeping rule (drop u <= lastUpdateId) ignores.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from castle.contracts.events import (
    DUPLICATE_REASONS,
    DepthUpdate,
    EngineEvent,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    Trade,
)
from castle.marketdata import orders, payloads
from castle.marketdata.book import DepthDiff, merge_diffs
from castle.marketdata.intervals import KLINE_INTERVALS
from castle.marketdata.ports import (
    ConnectionGoneError,
    ConnectionPoster,
    ConnectionStore,
    ExecutionStore,
    MarketDataStore,
    Subscriber,
)
from castle.marketdata.projection import SymbolState
from castle.marketdata.queries import MarketQueries
from castle.marketdata.streams import PARTIAL_DEPTH_LEVELS, topic_of, user_stream
from castle.marketdata.trades import PublicTrade, aggregate

log = logging.getLogger(__name__)
Json = dict[str, Any]


class ConsumerBehindError(Exception):
    """The market data consumer has not applied the events this frame is built from yet."""


@dataclass(slots=True)
class _SymbolBatch:
    diffs: list[DepthDiff] = field(default_factory=list)
    trades: list[PublicTrade] = field(default_factory=list)
    last_seq: int = 0


class Broadcaster:
    """One per batch."""

    def __init__(
        self,
        *,
        connections: ConnectionStore,
        poster: ConnectionPoster,
        market: MarketDataStore,
        executions: ExecutionStore,
        clock_ms: Callable[[], int],
        consumer_wait_s: float = 5.0,
        poll_interval_s: float = 0.05,
    ) -> None:
        self._connections = connections
        self._poster = poster
        self._market = market
        self._executions = executions
        self._clock_ms = clock_ms
        self._wait_s = consumer_wait_s
        self._poll_s = poll_interval_s
        self._subscribers: dict[str, list[Subscriber]] = {}
        self._topics_read: set[str] = set()
        self._symbols: dict[str, _SymbolBatch] = {}
        self._states: dict[str, SymbolState] = {}
        self.frames_sent = 0

    # --- per record --------------------------------------------------------------------------

    def publish(self, event: EngineEvent) -> None:
        batch = self._symbols.setdefault(event.symbol, _SymbolBatch())
        now = self._clock_ms()
        base = event.symbol.lower()
        if isinstance(event, DepthUpdate):
            diff = DepthDiff.from_event(event)
            self._send(f"{base}@depth@100ms", partial(payloads.depth_update_event, diff, now))
            batch.diffs.append(diff)
        elif isinstance(event, Trade):
            trade = PublicTrade.from_event(event)
            self._send(f"{base}@trade", partial(payloads.trade_event, trade, now))
            batch.trades.append(trade)
            self._report_fills(event, now)
        elif isinstance(event, OrderAccepted):
            order = orders.accepted(event)
            report = partial(payloads.execution_report, order, execution_type="NEW", event_time=now)
            self._send_user(event.user_id, report)
        elif isinstance(event, OrderDone) and event.status != "FILLED":
            self._report_done(event, now)
        elif isinstance(event, OrderRejected) and event.reason not in DUPLICATE_REASONS:
            order = orders.rejected(event, None)
            report = partial(payloads.execution_report, order, execution_type="REJECTED", event_time=now)
            self._send_user(event.user_id, report)
        batch.last_seq = event.seq

    def _report_fills(self, event: Trade, now: int) -> None:
        sides = ((event.maker_order_id, event.maker_user_id), (event.taker_order_id, event.taker_user_id))
        for order_id, user_id in sides:
            if not self._subscribers_of(user_stream(user_id)):
                continue
            self._await_consumer(event.symbol, event.seq)
            order = self._executions.get_order(order_id)
            fill = self._executions.get_fill(order_id, event.trade_id)
            if order is None or fill is None:
                log.warning("fill not found", extra={"order_id": order_id, "trade_id": event.trade_id})
                continue
            report = partial(
                payloads.execution_report, order, execution_type="TRADE", event_time=now, fill=fill
            )
            self._send_user(user_id, report)

    def _report_done(self, event: OrderDone, now: int) -> None:
        if not self._subscribers_of(user_stream(event.user_id)):
            return
        self._await_consumer(event.symbol, event.seq)
        order = self._executions.get_order(event.order_id)
        if order is None:
            return
        final = orders.done(order, event)
        execution_type = "CANCELED" if event.status == "CANCELED" else "EXPIRED"
        report = partial(payloads.execution_report, final, execution_type=execution_type, event_time=now)
        self._send_user(event.user_id, report)

    # --- end of batch ------------------------------------------------------------------------

    def flush(self) -> None:
        now = self._clock_ms()
        for symbol, batch in self._symbols.items():
            base = symbol.lower()
            merged = merge_diffs(batch.diffs)
            if merged is not None:
                self._send(f"{base}@depth", partial(payloads.depth_update_event, merged, now))
            needs_state = (
                [
                    f"{base}@bookTicker",
                    *(f"{base}@depth{n}" for n in PARTIAL_DEPTH_LEVELS),
                    *(f"{base}@depth{n}@100ms" for n in PARTIAL_DEPTH_LEVELS),
                ]
                if merged is not None
                else []
            )
            if batch.trades:
                needs_state += [f"{base}@aggTrade", f"{base}@ticker", f"{base}@miniTicker"]
                needs_state += [f"{base}@kline_{i}" for i in KLINE_INTERVALS]
            if not any(self._subscribers_of(stream) for stream in needs_state):
                continue
            state = self._await_consumer(symbol, batch.last_seq)
            if merged is not None:
                self._flush_book(base, state)
            if batch.trades:
                self._flush_trades(symbol, batch.trades, state, now)

    def _flush_book(self, base: str, state: SymbolState) -> None:
        self._send(f"{base}@bookTicker", partial(payloads.book_ticker_event, state.symbol, state.book))
        for levels in PARTIAL_DEPTH_LEVELS:
            frame = partial(payloads.partial_depth_event, state.book, levels)
            self._send(f"{base}@depth{levels}", frame)
            self._send(f"{base}@depth{levels}@100ms", frame)

    def _flush_trades(self, symbol: str, trades: list[PublicTrade], state: SymbolState, now: int) -> None:
        base = symbol.lower()
        if self._subscribers_of(f"{base}@aggTrade"):
            for group in aggregate(trades):
                stored = self._market.agg_trades(symbol, 1, at_or_before_id=group.last_trade_id)
                agg = stored[0] if stored else group
                self._send(f"{base}@aggTrade", partial(payloads.agg_trade_event, agg, now))
        for interval, kline in state.klines.items():
            self._send(f"{base}@kline_{interval}", partial(payloads.kline_event, kline, now))
        if self._subscribers_of(f"{base}@ticker") or self._subscribers_of(f"{base}@miniTicker"):
            ticker = MarketQueries(self._market).ticker(symbol, now)
            self._send(f"{base}@ticker", partial(payloads.ticker_event, ticker, now))
            self._send(f"{base}@miniTicker", partial(payloads.mini_ticker_event, ticker, now))

    # --- plumbing ----------------------------------------------------------------------------

    def _await_consumer(self, symbol: str, seq: int) -> SymbolState:
        cached = self._states.get(symbol)
        if cached is not None and cached.last_seq >= seq:
            return cached
        deadline = time.monotonic() + self._wait_s
        while True:
            state = self._market.load_state(symbol)
            if state.last_seq >= seq:
                self._states[symbol] = state
                return state
            if time.monotonic() >= deadline:
                raise ConsumerBehindError(f"{symbol}: consumer at {state.last_seq}, need {seq}")
            time.sleep(self._poll_s)

    def _subscribers_of(self, stream: str) -> list[Subscriber]:
        # One read per topic and batch: a trade alone touches ~30 streams of its symbol.
        topic = topic_of(stream)
        if topic not in self._topics_read:
            self._topics_read.add(topic)
            self._subscribers.update(self._connections.subscribers_by_stream(topic))
        return self._subscribers.setdefault(stream, [])

    def _send(self, stream: str, build: Callable[[], Json]) -> None:
        subscribers = self._subscribers_of(stream)
        if not subscribers:
            return
        payload = build()
        raw = _encode(payload)
        wrapped = _encode({"stream": stream, "data": payload})
        for subscriber in list(subscribers):
            self._post(stream, subscriber, wrapped if subscriber.combined else raw)

    def _send_user(self, user_id: str, build: Callable[[], Json]) -> None:
        stream = user_stream(user_id)
        subscribers = self._subscribers_of(stream)
        if not subscribers:
            return
        payload = build()
        for subscriber in list(subscribers):
            frame = {"subscriptionId": subscriber.subscription_id, "event": payload}
            self._post(stream, subscriber, _encode(frame))

    def _post(self, stream: str, subscriber: Subscriber, data: bytes) -> None:
        try:
            self._poster.post(subscriber.connection_id, data)
            self.frames_sent += 1
        except ConnectionGoneError:
            self._connections.close(subscriber.connection_id)
            for subscribers in self._subscribers.values():
                subscribers[:] = [s for s in subscribers if s.connection_id != subscriber.connection_id]
            log.info("connection gone", extra={"connection_id": subscriber.connection_id, "stream": stream})


def _encode(payload: Json) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
