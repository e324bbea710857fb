"""A random trading session run through the real matching engine (castle_engine), its events
converted to the Kinesis wire contract (castle.contracts.events) the way the engine host does."""

import base64
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import castle_engine as ce
from castle.contracts import events as wire
from castle.contracts.events import encode_event
from castle.domain.markets import MARKETS, Market
from castle.domain.money import from_minor
from castle_engine import codes
from castle_engine import events as ev


def _price(market: Market, ticks: int) -> Decimal | None:
    return market.ticks_to_price(ticks) if ticks > 0 else None


def _quantity(market: Market, lots: int) -> Decimal:
    return market.lots_to_quantity(lots)


def _quote(market: Market, tick_lots: int) -> Decimal:
    return from_minor(tick_lots * market.quote_minor_per_tick_lot)


def to_wire(event: ev.Event, ts_ms: int) -> wire.EngineEvent:
    market = MARKETS[event.symbol]
    common: dict[str, Any] = {"symbol": event.symbol, "seq": event.seq, "ts_ms": ts_ms}
    if isinstance(event, ev.OrderAccepted):
        return wire.OrderAccepted(
            **common,
            order_id=event.order_id,
            client_order_id=event.client_order_id,
            user_id=event.user_id,
            side=codes.SIDE_NAMES[event.side],
            order_type=codes.ORDER_TYPE_NAMES[event.order_type],
            time_in_force=codes.TIF_NAMES[event.time_in_force],
            price=_price(market, event.price),
            quantity=_quantity(market, event.quantity) if event.quantity else None,
            quote_quantity=_quote(market, event.quote_quantity) if event.quote_quantity else None,
            stop_price=_price(market, event.stop_price),
            order_list_id=event.order_list_id if event.order_list_id >= 0 else None,
        )
    if isinstance(event, ev.OrderRejected):
        return wire.OrderRejected(
            **common,
            order_id=event.order_id,
            client_order_id=event.client_order_id,
            user_id=event.user_id,
            reason=event.reason,
        )
    if isinstance(event, ev.CancelRejected):
        return wire.CancelRejected(
            **common, order_id=event.order_id, user_id=event.user_id, reason=event.reason
        )
    if isinstance(event, ev.Trade):
        return wire.Trade(
            **common,
            trade_id=event.trade_id,
            price=market.ticks_to_price(event.price),
            quantity=_quantity(market, event.quantity),
            quote_quantity=_quote(market, event.quote_quantity),
            maker_order_id=event.maker_order_id,
            taker_order_id=event.taker_order_id,
            maker_user_id=event.maker_user_id,
            taker_user_id=event.taker_user_id,
            taker_side=codes.SIDE_NAMES[event.taker_side],
        )
    if isinstance(event, ev.OrderTriggered):
        return wire.OrderTriggered(**common, order_id=event.order_id, user_id=event.user_id)
    if isinstance(event, ev.OrderDone):
        return wire.OrderDone(
            **common,
            order_id=event.order_id,
            user_id=event.user_id,
            status=codes.DONE_NAMES[event.status],
            executed_quantity=_quantity(market, event.executed_quantity),
            cumulative_quote_quantity=_quote(market, event.cumulative_quote_quantity),
            reason=event.reason,
        )
    if isinstance(event, ev.DepthUpdate):
        return wire.DepthUpdate(
            **common,
            first_update_id=event.first_update_id,
            last_update_id=event.last_update_id,
            bids=[(market.ticks_to_price(p), _quantity(market, q)) for p, q in event.bids],
            asks=[(market.ticks_to_price(p), _quantity(market, q)) for p, q in event.asks],
        )
    assert isinstance(event, ev.SymbolStatusChanged)
    return wire.SymbolStatusChanged(**common, status=codes.STATUS_NAMES[event.status])


@dataclass
class Session:
    """The engine after the session and the events of each command, in order."""

    engine: ce.Engine
    symbol: str
    commands: list[list[wire.EngineEvent]] = field(default_factory=list)

    @property
    def events(self) -> list[wire.EngineEvent]:
        return [event for command in self.commands for event in command]

    def engine_depth(self, limit: int = 5000) -> dict[str, Any]:
        market = MARKETS[self.symbol]
        last_update_id, bids, asks = self.engine.depth_snapshot(self.symbol, limit)

        def side(levels: list[tuple[int, int]]) -> list[list[str]]:
            return [[f"{market.ticks_to_price(p):f}", f"{_quantity(market, q):f}"] for p, q in levels]

        return {"lastUpdateId": last_update_id, "bids": side(bids), "asks": side(asks)}


def random_session(
    commands: int, *, seed: int = 7, symbol: str = "BTCUSDT", step_ms: int = 1500, start_ms: int | None = None
) -> Session:
    """Limit orders around 100.00 (some crossing), cancels and market orders from four users; by
    default the session ends a minute ago, so 24h tickers and avgPrice see it."""
    if start_ms is None:
        start_ms = time.time_ns() // 1_000_000 - commands * step_ms - 60_000
    rng = random.Random(seed)
    engine = ce.Engine()
    engine.add_symbol(ce.SymbolSpec(symbol))
    session = Session(engine=engine, symbol=symbol)
    open_orders: list[tuple[int, str]] = []
    for index in range(commands):
        ts_ms = start_ms + index * step_ms
        order_id = index + 1
        user = f"user-{rng.randint(1, 4)}"
        roll = rng.random()
        side = ce.BUY if rng.random() < 0.5 else ce.SELL
        if roll < 0.2 and open_orders:
            cancel_id, cancel_user = open_orders.pop(rng.randrange(len(open_orders)))
            engine.cancel(symbol, cancel_id, cancel_user)
        elif roll < 0.3:
            engine.submit(
                symbol,
                ce.Order(
                    order_id=order_id,
                    user_id=user,
                    side=side,
                    order_type=ce.MARKET,
                    quantity=rng.randint(1, 40),
                    client_order_id=f"c{order_id}",
                ),
            )
        else:
            offset = rng.randint(-150, 250) if side == ce.BUY else rng.randint(-250, 150)
            price = 10_000 - 100 + offset if side == ce.BUY else 10_000 + 100 - offset
            engine.submit(
                symbol,
                ce.Order(
                    order_id=order_id,
                    user_id=user,
                    side=side,
                    price=price,
                    quantity=rng.randint(1, 60),
                    client_order_id=f"c{order_id}",
                ),
            )
            open_orders.append((order_id, user))
        session.commands.append([to_wire(event, ts_ms) for event in engine.drain()])
    return session


def kinesis_event(events: list[wire.EngineEvent], *, first_sequence: int = 1) -> dict[str, Any]:
    """A Kinesis Lambda event carrying the engine events (partition key = symbol)."""
    records = []
    for offset, event in enumerate(events):
        sequence = f"{first_sequence + offset:056d}"
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": event.symbol,
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(encode_event(event).encode()).decode(),
                    "approximateArrivalTimestamp": 1_700_000_000.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/castle-test",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/castle-dev-engine-events",
            }
        )
    return {"Records": records}
