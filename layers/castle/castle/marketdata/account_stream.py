"""The balance side of the user data stream: `outboundAccountPosition` and `balanceUpdate`.

Balances live in the ledger, so frames are built from what the ledger holds, never from the events:
after an engine event batch the publisher waits (bounded) until settlement has applied the batch's
last seq of every symbol involved, then reads the subscribed users' balances once each and sends the
assets the batch possibly changed. A deposit credit (an activity event, published after the ledger
committed it) sends `balanceUpdate` and then the asset's position.

A batch whose settlement does not arrive in time raises SettlementBehindError, so the whole batch is
retried; a retry may repeat frames (positions are absolute values, so a repeat is harmless).
"""

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from castle.contracts.activity import ActivityEvent, DepositCredited
from castle.contracts.events import (
    DUPLICATE_REASONS,
    EngineEvent,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    Trade,
)
from castle.domain.markets import market
from castle.ledger.models import Balance
from castle.marketdata import payloads
from castle.marketdata.ports import ConnectionGoneError, ConnectionPoster, ConnectionStore, Subscriber
from castle.marketdata.streams import user_stream

log = logging.getLogger(__name__)
Json = dict[str, Any]


class SettlementBehindError(Exception):
    """Settlement has not applied the events these balances must reflect yet."""


class BalanceReader(Protocol):
    """What the user data stream reads from the ledger."""

    def balances(self, user_id: str) -> list[Balance]: ...

    def settled_seq(self, symbol: str) -> int:
        """Last engine seq of the symbol settlement has applied (-1 before the first)."""
        ...


@dataclass(slots=True)
class _Changes:
    assets: set[str] = field(default_factory=set)
    last_update_ms: int = 0


def changed_assets(event: EngineEvent) -> dict[str, set[str]]:
    """user id -> assets whose balance the event may change (hold, fill + fee, release)."""
    if not isinstance(event, OrderAccepted | Trade | OrderDone | OrderRejected):
        return {}
    mkt = market(event.symbol)
    both = {mkt.base_asset, mkt.quote_asset}
    if isinstance(event, OrderAccepted):
        return {event.user_id: {mkt.quote_asset if event.side == "BUY" else mkt.base_asset}}
    if isinstance(event, Trade):
        return {event.maker_user_id: set(both), event.taker_user_id: set(both)}
    if isinstance(event, OrderRejected) and event.reason in DUPLICATE_REASONS:
        return {}  # the original order's hold stays where it is
    return {event.user_id: both}


class AccountStream:
    """One per batch."""

    def __init__(
        self,
        *,
        connections: ConnectionStore,
        poster: ConnectionPoster,
        ledger: BalanceReader,
        clock_ms: Callable[[], int],
        settlement_wait_s: float = 5.0,
        poll_interval_s: float = 0.05,
    ) -> None:
        self._connections = connections
        self._poster = poster
        self._ledger = ledger
        self._clock_ms = clock_ms
        self._wait_s = settlement_wait_s
        self._poll_s = poll_interval_s
        self._subscribers: dict[str, list[Subscriber]] = {}
        self.frames_sent = 0

    def publish_engine_events(self, events: Iterable[EngineEvent]) -> None:
        changes: dict[str, _Changes] = {}
        needed_seq: dict[str, int] = {}
        for event in events:
            for user_id, assets in changed_assets(event).items():
                if not self._subscribers_of(user_id):
                    continue
                change = changes.setdefault(user_id, _Changes())
                change.assets |= assets
                change.last_update_ms = max(change.last_update_ms, event.ts_ms)
                needed_seq[event.symbol] = max(needed_seq.get(event.symbol, -1), event.seq)
        for symbol, seq in needed_seq.items():
            self._await_settlement(symbol, seq)
        now = self._clock_ms()
        for user_id, change in changes.items():
            self._send_positions(user_id, change.assets, now, change.last_update_ms or now)

    def publish_activity(self, event: ActivityEvent) -> None:
        if not isinstance(event, DepositCredited) or not self._subscribers_of(event.user_id):
            return
        now = self._clock_ms()
        update = payloads.balance_update_event(event.asset, event.amount, now, event.ts_ms)
        self._send(event.user_id, update)
        self._send_positions(event.user_id, {event.asset}, now, event.ts_ms)

    def _send_positions(self, user_id: str, assets: set[str], now: int, update_ms: int) -> None:
        balances = [b for b in self._ledger.balances(user_id) if b.asset in assets]
        self._send(user_id, payloads.account_position_event(balances, now, update_ms))

    def _await_settlement(self, symbol: str, seq: int) -> None:
        deadline = time.monotonic() + self._wait_s
        while (settled := self._ledger.settled_seq(symbol)) < seq:
            if time.monotonic() >= deadline:
                raise SettlementBehindError(f"{symbol}: settlement at {settled}, need {seq}")
            time.sleep(self._poll_s)

    def _subscribers_of(self, user_id: str) -> list[Subscriber]:
        if user_id not in self._subscribers:
            self._subscribers[user_id] = self._connections.subscribers(user_stream(user_id))
        return self._subscribers[user_id]

    def _send(self, user_id: str, payload: Json) -> None:
        for subscriber in list(self._subscribers_of(user_id)):
            frame = {"subscriptionId": subscriber.subscription_id, "event": payload}
            try:
                self._poster.post(subscriber.connection_id, json.dumps(frame, separators=(",", ":")).encode())
                self.frames_sent += 1
            except ConnectionGoneError:
                self._connections.close(subscriber.connection_id)
                for subscribers in self._subscribers.values():
                    subscribers[:] = [s for s in subscribers if s.connection_id != subscriber.connection_id]
                log.info("connection gone", extra={"connection_id": subscriber.connection_id})
