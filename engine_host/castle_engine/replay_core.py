"""The replay tool's per-line work, compiled with the engine (scripts/build_engine.sh): decoding an
operation line into an engine call, and hashing the event stream. `castle_engine.replay` is the
command-line wrapper around it.

Engine time is the sum of perf_counter_ns around each engine call (read inside the compiled engine:
Engine.submit_timed / cancel_timed); end-to-end time also covers reading, decoding, conversion
and hashing the event stream. Lines in exactly the layout `workload` writes are read in place
(castle_engine.canonical_line); every other line is decoded as JSON and converted with all checks.

`events_sha256` is SHA-256 over the events' canonical bytes (encode_event), not over their text
lines (Event.line): building the text cost ~6x as much as the bytes (420 vs 70 ns an event), more
than the engine call that made the event.
"""

import hashlib
import time
from collections.abc import Callable
from decimal import Decimal
from sys import intern
from typing import Any, Final, cast

from librt.strings import BytesWriter, write_i64_le

from castle_engine import codes
from castle_engine.canonical_line import CANCEL_LINE, DECIMALS, LIMIT_LINE, NOT_CANONICAL, CanonicalLine
from castle_engine.engine import Engine
from castle_engine.events import (
    CancelRejected,
    DepthUpdate,
    Event,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    OrderTriggered,
    SymbolStatusChanged,
    Trade,
)
from castle_engine.fixed_point import parse_steps, parse_units
from castle_engine.orders import Order, SymbolSpec

_SIDES: Final[dict[str, int]] = {"buy": codes.BUY, "sell": codes.SELL, "BUY": codes.BUY, "SELL": codes.SELL}
_TIFS: Final[dict[str, int]] = {name: code for code, name in enumerate(codes.TIF_NAMES)}
_TYPES: Final[dict[str, int]] = {name: code for code, name in enumerate(codes.ORDER_TYPE_NAMES)}
_STPS: Final[dict[str, int]] = {name: code for code, name in enumerate(codes.STP_NAMES)}
HASH_BATCH: Final = 4096
# The leading byte of an event hashed as its text line: one with an int beyond 64 bits.
_TEXT_EVENT: Final = 255
# Lines are decoded a batch at a time and then applied in one go, so that the engine calls run back
# to back with the engine's code and data in the caches, rather than after each line's decoding.
APPLY_BATCH: Final = 256


class ReplayError(ValueError):
    """A line of the operations file is malformed."""


class Replayer:
    """Turns decoded operation lines into engine calls and keeps the figures."""

    def __init__(self, default_symbol: str, tick: Decimal, lot: Decimal, compiled: bool) -> None:
        self.engine = Engine()
        self.default_symbol = default_symbol
        self.tick = tick
        self.lot = lot
        self.compiled = compiled
        self.tick_units = int(parse_units(str(tick), DECIMALS))
        self.lot_units = int(parse_units(str(lot), DECIMALS))
        self.owners: dict[int, tuple[str, str]] = {}
        self.known_symbols: set[str] = set()
        # Decimal string -> steps, per kind: workloads repeat prices and quantities a lot.
        self.price_steps: dict[str, int] = {}
        self.qty_steps: dict[str, int] = {}
        self.latencies: list[int] = []
        # Decoded, not yet applied operations, in order: an order to submit, or None for a cancel of
        # order id cancel_ids[i] by user cancel_users[i]; symbols[i] is the operation's symbol.
        self.pending_symbols: list[str] = []
        self.pending_orders: list[Order | None] = []
        self.cancel_ids: list[int] = []
        self.cancel_users: list[str] = []
        self.ops = 0
        self.trades = 0
        self.base_lots = 0
        self.quote_tick_lots = 0
        self.sha = hashlib.sha256()
        self.hash_buffer = BytesWriter()

    def symbol_of(self, line: dict[str, Any]) -> str:
        symbol = line.get("symbol", self.default_symbol)
        if not isinstance(symbol, str) or not symbol:
            raise ReplayError("symbol must be a non-empty string")
        if symbol not in self.known_symbols:
            self.engine.add_symbol(SymbolSpec(symbol))
            self.known_symbols.add(symbol)
        return symbol

    def prepare(self, line: Any) -> None:
        """Decode an operation line (any shape, with every check) into the pending operations."""
        if not isinstance(line, dict):
            raise ReplayError("not a JSON object")
        op = line.get("op")
        if op == "cancel":
            order_id = _order_id(line)
            owner = self.owners.get(order_id)
            if owner is None:
                owner = (self.symbol_of(line), str(line.get("user", "")))
            self.add_cancel(owner[0], order_id, owner[1])
        elif op in ("limit", "market"):
            symbol = self.symbol_of(line) if "symbol" in line else self.default_symbol_checked()
            self.add_order(symbol, self.order_of(line, str(op)))
        else:
            raise ReplayError(f"unknown op {op!r} (expected limit, market or cancel)")

    # add_order/add_cancel queue one operation and apply the queue once it holds APPLY_BATCH.
    def add_order(self, symbol: str, order: Order) -> None:
        self.owners[order.order_id] = (symbol, order.user_id)
        self.pending_symbols.append(symbol)
        self.pending_orders.append(order)
        if len(self.pending_symbols) >= APPLY_BATCH:
            self.apply_pending()

    def add_cancel(self, symbol: str, order_id: int, user_id: str) -> None:
        self.pending_symbols.append(symbol)
        self.pending_orders.append(None)
        self.cancel_ids.append(order_id)
        self.cancel_users.append(user_id)
        if len(self.pending_symbols) >= APPLY_BATCH:
            self.apply_pending()

    def apply_pending(self) -> None:
        """Run the pending operations through the engine, timing each call."""
        engine = self.engine
        events = engine.events
        latencies = self.latencies
        symbols = self.pending_symbols
        orders = self.pending_orders
        cancel_ids = self.cancel_ids
        cancel_users = self.cancel_users
        cancels = 0
        for i in range(len(symbols)):
            order = orders[i]
            if order is None:
                latencies.append(engine.cancel_timed(symbols[i], cancel_ids[cancels], cancel_users[cancels]))
                cancels += 1
            else:
                latencies.append(engine.submit_timed(symbols[i], order))
            if len(events) >= HASH_BATCH:
                self.flush_events()
        self.ops += len(symbols)
        symbols.clear()
        orders.clear()
        cancel_ids.clear()
        cancel_users.clear()

    def default_symbol_checked(self) -> str:
        symbol = self.default_symbol
        if symbol not in self.known_symbols:
            self.engine.add_symbol(SymbolSpec(symbol))
            self.known_symbols.add(symbol)
        return symbol

    def order_of(self, line: dict[str, Any], op: str) -> Order:
        user = line.get("user")
        if not isinstance(user, str) or not user:
            raise ReplayError("user must be a non-empty string")
        user = intern(user)  # as CanonicalLine does: one string per user
        side = _code(_SIDES, line.get("side"))
        if side < 0:
            raise ReplayError(f"side must be buy or sell, not {line.get('side')!r}")
        stp = _code(_STPS, line.get("stp", "NONE"))
        if stp < 0:
            raise ReplayError(f"unknown stp {line.get('stp')!r}")
        if op == "market":
            order = Order(_order_id(line), user, side, codes.MARKET, 0, 0, codes.GTC, "", 0, 0, stp)
            if "qty" in line:
                order.quantity = self.qty(line)
            if "quote_qty" in line:
                order.quote_quantity = self.quote(line, "quote_qty")
            if "qty" not in line and "quote_qty" not in line:
                raise ReplayError("a market order needs qty or quote_qty")
            order.remaining = order.quantity
            return order
        kind = _code(_TYPES, line.get("type", "LIMIT"))
        if kind < 0 or kind == codes.MARKET:
            raise ReplayError(f"unknown limit type {line.get('type')!r}")
        tif = _code(_TIFS, line.get("tif", "GTC"))
        if tif < 0:
            raise ReplayError(f"unknown tif {line.get('tif')!r}")
        stop = 0
        if kind in (codes.STOP_LOSS_LIMIT, codes.TAKE_PROFIT_LIMIT):
            stop = self.steps(line, "stop_price", self.tick_units)
        price = self.price(line)
        return Order(_order_id(line), user, side, kind, price, self.qty(line), tif, "", 0, stop, stp)

    def price(self, line: dict[str, Any]) -> int:
        text = line.get("price")
        if not isinstance(text, str):
            return self.steps(line, "price", self.tick_units)  # raises the error
        steps = self.price_steps.get(text)
        if steps is None:
            steps = self.steps(line, "price", self.tick_units)
            self.price_steps[text] = steps
        return steps

    def qty(self, line: dict[str, Any]) -> int:
        text = line.get("qty")
        if not isinstance(text, str):
            return self.steps(line, "qty", self.lot_units)  # raises the error
        steps = self.qty_steps.get(text)
        if steps is None:
            steps = self.steps(line, "qty", self.lot_units)
            self.qty_steps[text] = steps
        return steps

    def steps(self, line: dict[str, Any], key: str, step_units: int) -> int:
        value = line.get(key)
        if not isinstance(value, str):
            raise ReplayError(f"{key} must be a decimal string")
        try:
            return parse_steps(value, step_units, DECIMALS)
        except ValueError as exc:
            raise ReplayError(f"{key}: {exc}") from exc

    def quote(self, line: dict[str, Any], key: str) -> int:
        value = line.get(key)
        if not isinstance(value, str):
            raise ReplayError(f"{key} must be a decimal string")
        try:
            amount = Decimal(value)
        except ArithmeticError as exc:
            raise ReplayError(f"{key}: not a decimal") from exc
        return int(amount / (self.tick * self.lot))  # budget in tick-lots, rounded down

    def flush_events(self) -> None:
        events: list[Event] = self.engine.drain()
        if not events:
            return
        out = self.hash_buffer
        for event in events:
            if event.kind == codes.EV_TRADE:
                trade = cast(Trade, event)
                self.trades += 1
                self.base_lots += trade.quantity
                self.quote_tick_lots += trade.quote_quantity
            start = len(out)
            try:
                encode_event(event, out)
            except (OverflowError, ValueError):
                # An int beyond 64 bits (no real book has one; compiled code raises OverflowError,
                # interpreted librt ValueError): hash the event's text instead.
                out.truncate(start)
                out.append(_TEXT_EVENT)
                _write_text(out, event.line())
        self.sha.update(out.getvalue())
        out.truncate(0)

    def summary(self, wall_ns: int) -> dict[str, Any]:
        lat = sorted(self.latencies)
        engine_ns = sum(lat)
        wall_s = wall_ns / 1e9
        return {
            "ops": self.ops,
            "trades": self.trades,
            "base_volume": str(self.lot * self.base_lots),
            "quote_volume": str(self.tick * self.lot * self.quote_tick_lots),
            "events_sha256": self.sha.hexdigest(),
            "wall_s": round(wall_s, 3),
            "ops_per_s": int(self.ops / wall_s) if wall_s > 0 else 0,
            "engine_ops_per_s": int(self.ops * 1e9 / engine_ns) if engine_ns > 0 else 0,
            "p50_ns": _percentile(lat, 0.50),
            "p99_ns": _percentile(lat, 0.99),
            "p999_ns": _percentile(lat, 0.999),
            "resting": self.engine.resting_count(),
            "compiled": self.compiled,
        }


def encode_event(event: Event, out: BytesWriter) -> None:
    """Append the canonical bytes of an event: its kind (one byte), its sequence number, then its
    fields in declaration order (a DepthUpdate's levels as side, price, quantity, in the order they
    were added). Ints are 8 bytes little-endian (an error beyond that); a string is its UTF-8
    length, then its bytes."""
    kind = event.kind
    out.append(kind)
    write_i64_le(out, event.seq)
    # Dispatch on the kind code, commonest first (isinstance() on a class that does not match costs
    # a subtype walk).
    if kind == codes.EV_DEPTH:
        depth = cast(DepthUpdate, event)
        write_i64_le(out, depth.first_update_id)
        write_i64_le(out, depth.last_update_id)
        write_i64_le(out, depth.count)
        write_i64_le(out, depth.side0)
        write_i64_le(out, depth.price0)
        write_i64_le(out, depth.qty0)
        if depth.count > 1:
            write_i64_le(out, depth.side1)
            write_i64_le(out, depth.price1)
            write_i64_le(out, depth.qty1)
            for value in depth.more:
                write_i64_le(out, value)
    elif kind == codes.EV_ACCEPTED:
        order = cast(OrderAccepted, event).order
        write_i64_le(out, order.order_id)
        _write_text(out, order.client_order_id)
        _write_text(out, order.user_id)
        write_i64_le(out, order.side)
        write_i64_le(out, order.order_type)
        write_i64_le(out, order.time_in_force)
        write_i64_le(out, order.price)
        write_i64_le(out, order.quantity)
        write_i64_le(out, order.quote_quantity)
        write_i64_le(out, order.stop_price)
        write_i64_le(out, order.order_list_id)
    elif kind == codes.EV_DONE:
        done = cast(OrderDone, event)
        order = done.order
        write_i64_le(out, order.order_id)
        _write_text(out, order.user_id)
        write_i64_le(out, done.status)
        write_i64_le(out, order.executed)
        write_i64_le(out, order.cumulative_quote)
        _write_text(out, done.reason)
    elif kind == codes.EV_TRADE:
        trade = cast(Trade, event)
        write_i64_le(out, trade.trade_id)
        write_i64_le(out, trade.price)
        write_i64_le(out, trade.quantity)
        write_i64_le(out, trade.maker_order_id)
        write_i64_le(out, trade.taker_order_id)
        _write_text(out, trade.maker_user_id)
        _write_text(out, trade.taker_user_id)
        write_i64_le(out, trade.taker_side)
    elif isinstance(event, OrderRejected):
        write_i64_le(out, event.order_id)
        _write_text(out, event.client_order_id)
        _write_text(out, event.user_id)
        _write_text(out, event.reason)
    elif isinstance(event, CancelRejected):
        write_i64_le(out, event.order_id)
        _write_text(out, event.user_id)
        _write_text(out, event.reason)
    elif isinstance(event, OrderTriggered):
        write_i64_le(out, event.order_id)
        _write_text(out, event.user_id)
    elif isinstance(event, SymbolStatusChanged):
        write_i64_le(out, event.status)
    else:
        raise TypeError(f"no canonical bytes for {type(event).__name__}")


def _write_text(out: BytesWriter, text: str) -> None:
    data = text.encode()
    write_i64_le(out, len(data))
    out.write(data)


def _percentile(ordered: list[int], q: float) -> int:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0


def _code(codes_by_name: dict[str, int], name: object) -> int:
    """The code of a name, -1 when unknown (or not a string)."""
    if isinstance(name, str):
        return codes_by_name.get(name, -1)
    return -1


def _order_id(line: dict[str, Any]) -> int:
    value = line.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ReplayError("id must be an integer or an integer string")
    try:
        return int(value)
    except ValueError as exc:
        raise ReplayError(f"id must be an integer, not {value!r}") from exc


def replay_lines(path: str, replayer: Replayer, loads: Callable[[bytes], Any]) -> dict[str, Any]:
    """Replay every line of the file at `path`; the summary (see Replayer.summary)."""
    start = time.perf_counter_ns()
    owners = replayer.owners
    reader = CanonicalLine(replayer.tick_units, replayer.lot_units)
    symbol = ""  # the default symbol, once registered
    number = 0
    with open(path, "rb") as lines:
        for raw in lines:
            number += 1
            # Fast path: a line in exactly the layout `workload` writes, read in place (once the
            # default symbol is registered). Anything else, every malformed line included, is
            # decoded as JSON and takes Replayer.prepare and its checks.
            kind = reader.parse(raw) if symbol else NOT_CANONICAL
            if kind == CANCEL_LINE:
                owner = owners.get(reader.order_id)
                if owner is not None:
                    replayer.add_cancel(owner[0], reader.order_id, owner[1])
                    continue
            elif kind != NOT_CANONICAL:
                order_id = reader.order_id
                user = reader.user
                if kind == LIMIT_LINE:
                    order = Order(
                        order_id,
                        user,
                        reader.side,
                        codes.LIMIT,
                        reader.price,
                        reader.quantity,
                        reader.time_in_force,
                    )
                else:
                    order = Order(order_id, user, reader.side, codes.MARKET, 0, reader.quantity, codes.GTC)
                replayer.add_order(symbol, order)
                continue
            if not raw.strip():
                continue
            try:
                replayer.prepare(loads(raw))
                if not symbol and replayer.default_symbol in replayer.known_symbols:
                    symbol = replayer.default_symbol
            except ReplayError as exc:
                raise ReplayError(f"{path}:{number}: {exc}") from exc
            except ValueError as decode_error:  # JSON decoding (orjson.JSONDecodeError is a ValueError)
                # (its own name: mypyc types a name shared by two except clauses as the first one)
                raise ReplayError(f"{path}:{number}: invalid JSON: {decode_error}") from decode_error
    replayer.apply_pending()
    replayer.flush_events()
    return replayer.summary(time.perf_counter_ns() - start)
