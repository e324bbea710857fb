"""Between the wire contracts (castle.contracts, decimal strings) and castle_engine (ticks and lots).

Commands in: `apply(command)` converts the pydantic command with the symbol's Market and calls the
engine; an amount that is not a whole number of ticks/lots is rejected *through the engine*
(`Engine.reject`), so it gets its outcome in the symbol's sequence like any other rejection.

Events out: `encode_events` writes each engine event as the JSON of the matching
castle.contracts.events model (decimal strings with 8 places, `ts_ms` and `command_id` of the causing
command). It builds the JSON directly instead of through pydantic: this is the hot path, and
tests/functional/engine_host/test_engine_adapter.py checks it decodes to the contract models.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from sys import intern

import orjson

from castle.contracts.commands import (
    CancelOrder,
    CancelReplace,
    EngineCommand,
    NewOco,
    NewOrder,
    OrderSpec,
    SetSymbolStatus,
)
from castle.domain.markets import MARKETS, Market
from castle.domain.money import MINOR_UNITS_PER_UNIT
from castle_engine import Engine, Order, SymbolSpec, codes
from castle_engine import events as ev
from castle_engine.fixed_point import format_units
from engine_host.transport import OutboundRecord

_SIDES = {name: code for code, name in enumerate(codes.SIDE_NAMES)}
_TYPES = {name: code for code, name in enumerate(codes.ORDER_TYPE_NAMES)}
_TIFS = {name: code for code, name in enumerate(codes.TIF_NAMES)}
_STPS = {name: code for code, name in enumerate(codes.STP_NAMES)}
_STATUSES = {name: code for code, name in enumerate(codes.STATUS_NAMES)}
DECIMALS = 8
_TEXT_CACHE_LIMIT = 200_000
_PRICE_TEXT: dict[tuple[int, int], str] = {}


class AmountConversionError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MarketScale:
    """A market's step sizes in minor units (1e-8), for integer-only conversions."""

    market: Market
    tick_units: int
    lot_units: int
    quote_units_per_tick_lot: int

    @classmethod
    def of(cls, market: Market) -> "MarketScale":
        return cls(
            market=market,
            tick_units=int(market.tick_size * MINOR_UNITS_PER_UNIT),
            lot_units=int(market.lot_size * MINOR_UNITS_PER_UNIT),
            quote_units_per_tick_lot=market.quote_minor_per_tick_lot,
        )

    def spec(self) -> SymbolSpec:
        m = self.market
        tick_lot = m.tick_size * m.lot_size
        return SymbolSpec(
            m.symbol,
            min_price=m.price_to_ticks(m.min_price),
            max_price=m.price_to_ticks(m.max_price),
            min_qty=m.quantity_to_lots(m.min_qty),
            max_qty=m.quantity_to_lots(m.max_qty),
            min_notional=math.ceil(m.min_notional / tick_lot),
        )

    def ticks(self, value: Decimal | None, reason: str) -> int:
        return _steps(value, self.market.tick_size, reason)

    def lots(self, value: Decimal | None) -> int:
        return _steps(value, self.market.lot_size, codes.BAD_LOT)

    def tick_lots_floor(self, value: Decimal | None) -> int:
        """A quote budget in tick-lots, rounded down: the engine never spends more than was held."""
        if value is None:
            return 0
        return int(value / (self.market.tick_size * self.market.lot_size))

    def price(self, ticks: int) -> str:
        # Prices repeat (book levels, trades): formatting each once is the biggest saving here.
        text = _PRICE_TEXT.get((self.tick_units, ticks))
        if text is None:
            if len(_PRICE_TEXT) > _TEXT_CACHE_LIMIT:
                _PRICE_TEXT.clear()
            text = _PRICE_TEXT[(self.tick_units, ticks)] = format_units(ticks * self.tick_units, DECIMALS)
        return text

    def quantity(self, lots: int) -> str:
        return format_units(lots * self.lot_units, DECIMALS)

    def quote(self, tick_lots: int) -> str:
        return format_units(tick_lots * self.quote_units_per_tick_lot, DECIMALS)


def _steps(value: Decimal | None, step: Decimal, reason: str) -> int:
    if value is None:
        return 0
    steps = value / step
    if steps != steps.to_integral_value():
        raise AmountConversionError(reason)
    return int(steps)


class EngineAdapter:
    """One Engine with every listed market, driven by contract commands."""

    def __init__(self, markets: Iterable[Market] = MARKETS.values(), reserve_orders: int = 0) -> None:
        self.engine = Engine(reserve_orders)
        self.scales: dict[str, MarketScale] = {}
        for market in markets:
            scale = MarketScale.of(market)
            self.scales[market.symbol] = scale
            self.engine.add_symbol(scale.spec())

    def knows(self, symbol: str) -> bool:
        return symbol in self.scales

    # ---- commands in ------------------------------------------------------------------------------
    def apply(self, command: EngineCommand) -> list[ev.Event]:
        symbol = command.symbol
        scale = self.scales[symbol]
        engine = self.engine
        if isinstance(command, NewOrder):
            self._submit(scale, command.order)
        elif isinstance(command, CancelOrder):
            engine.cancel(symbol, command.order_id, intern(command.user_id))
        elif isinstance(command, CancelReplace):
            try:
                order = self.order(scale, command.order)
            except AmountConversionError as exc:
                self._reject(symbol, command.order, exc.reason)
            else:
                engine.cancel_replace(symbol, command.cancel_order_id, order)
        elif isinstance(command, NewOco):
            try:
                limit_leg = self.order(scale, command.limit_leg)
                stop_leg = self.order(scale, command.stop_leg)
            except AmountConversionError as exc:
                self._reject(symbol, command.limit_leg, exc.reason)
                self._reject(symbol, command.stop_leg, exc.reason)
            else:
                engine.submit_oco(symbol, command.order_list_id, limit_leg, stop_leg)
        elif isinstance(command, SetSymbolStatus):
            engine.set_status(symbol, _STATUSES[command.status])
        return engine.drain()

    def _submit(self, scale: MarketScale, spec: OrderSpec) -> None:
        try:
            order = self.order(scale, spec)
        except AmountConversionError as exc:
            self._reject(scale.market.symbol, spec, exc.reason)
        else:
            self.engine.submit(scale.market.symbol, order)

    def _reject(self, symbol: str, spec: OrderSpec, reason: str) -> None:
        self.engine.reject(symbol, spec.order_id, spec.user_id, spec.client_order_id, reason)

    @staticmethod
    def order(scale: MarketScale, spec: OrderSpec) -> Order:
        # User ids are interned: each command decodes its own copy, and the engine's owner check
        # on a cancel and the user ids its events carry then need no string of their own per order.
        return Order(
            order_id=spec.order_id,
            user_id=intern(spec.user_id),
            side=_SIDES[spec.side],
            order_type=_TYPES[spec.order_type],
            price=scale.ticks(spec.price, codes.BAD_TICK),
            quantity=scale.lots(spec.quantity),
            time_in_force=_TIFS[spec.time_in_force or "GTC"],
            client_order_id=spec.client_order_id,
            quote_quantity=scale.tick_lots_floor(spec.quote_quantity),
            stop_price=scale.ticks(spec.stop_price, codes.BAD_STOP_PRICE),
            stp_mode=_STPS[spec.stp_mode],
            order_list_id=-1 if spec.order_list_id is None else spec.order_list_id,
        )

    # ---- events out -------------------------------------------------------------------------------
    def encode_events(self, events: list[ev.Event], command_id: str, ts_ms: int) -> list[OutboundRecord]:
        if not events:
            return []
        # One command's events all belong to its symbol.
        symbol = events[0].symbol
        scale = self.scales[symbol]
        fields_of = self.event_fields
        dumps = orjson.dumps
        records: list[OutboundRecord] = []
        for event in events:
            body = fields_of(event, scale)
            body["v"] = 1
            body["symbol"] = symbol
            body["seq"] = event.seq
            body["ts_ms"] = ts_ms
            body["command_id"] = command_id
            records.append(OutboundRecord(symbol, dumps(body)))
        return records

    def event_fields(self, event: ev.Event, scale: MarketScale | None = None) -> dict[str, object]:
        """The contract fields of one engine event (see castle.contracts.events)."""
        if scale is None:
            scale = self.scales[event.symbol]
        if isinstance(event, ev.Trade):
            return {
                "type": "trade",
                "trade_id": event.trade_id,
                "price": scale.price(event.price),
                "quantity": scale.quantity(event.quantity),
                "quote_quantity": scale.quote(event.quote_quantity),
                "maker_order_id": event.maker_order_id,
                "taker_order_id": event.taker_order_id,
                "maker_user_id": event.maker_user_id,
                "taker_user_id": event.taker_user_id,
                "taker_side": codes.SIDE_NAMES[event.taker_side],
            }
        if isinstance(event, ev.DepthUpdate):
            return {
                "type": "depth",
                "first_update_id": event.first_update_id,
                "last_update_id": event.last_update_id,
                "bids": [[scale.price(p), scale.quantity(q)] for p, q in event.bids],
                "asks": [[scale.price(p), scale.quantity(q)] for p, q in event.asks],
            }
        if isinstance(event, ev.OrderDone):
            done: dict[str, object] = {
                "type": "order_done",
                "order_id": event.order_id,
                "user_id": event.user_id,
                "status": codes.DONE_NAMES[event.status],
                "executed_quantity": scale.quantity(event.executed_quantity),
                "cumulative_quote_quantity": scale.quote(event.cumulative_quote_quantity),
            }
            if event.reason:
                done["reason"] = event.reason
            return done
        if isinstance(event, ev.OrderAccepted):
            return self._accepted_fields(scale, event)
        if isinstance(event, ev.OrderRejected):
            return {
                "type": "order_rejected",
                "order_id": event.order_id,
                "client_order_id": event.client_order_id,
                "user_id": event.user_id,
                "reason": event.reason,
            }
        if isinstance(event, ev.CancelRejected):
            return {
                "type": "cancel_rejected",
                "order_id": event.order_id,
                "user_id": event.user_id,
                "reason": event.reason,
            }
        if isinstance(event, ev.OrderTriggered):
            return {"type": "order_triggered", "order_id": event.order_id, "user_id": event.user_id}
        if isinstance(event, ev.SymbolStatusChanged):
            return {"type": "symbol_status", "status": codes.STATUS_NAMES[event.status]}
        raise TypeError(f"unknown engine event {type(event).__name__}")

    @staticmethod
    def _accepted_fields(scale: MarketScale, event: ev.OrderAccepted) -> dict[str, object]:
        fields: dict[str, object] = {
            "type": "order_accepted",
            "order_id": event.order_id,
            "client_order_id": event.client_order_id,
            "user_id": event.user_id,
            "side": codes.SIDE_NAMES[event.side],
            "order_type": codes.ORDER_TYPE_NAMES[event.order_type],
        }
        if event.order_type != codes.MARKET:
            fields["time_in_force"] = codes.TIF_NAMES[event.time_in_force]
        if event.price:
            fields["price"] = scale.price(event.price)
        if event.quantity:
            fields["quantity"] = scale.quantity(event.quantity)
        if event.quote_quantity:
            fields["quote_quantity"] = scale.quote(event.quote_quantity)
        if event.stop_price:
            fields["stop_price"] = scale.price(event.stop_price)
        if event.order_list_id >= 0:
            fields["order_list_id"] = event.order_list_id
        return fields
