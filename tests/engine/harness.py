"""Small builders shared by the engine tests (ticks and lots are plain ints)."""

import hashlib
import json
from typing import TypeVar

from castle_engine import (
    BUY,
    GTC,
    LIMIT,
    MARKET,
    SELL,
    STP_NONE,
    Engine,
    Event,
    Order,
    SymbolSpec,
)
from castle_engine.codes import TIF_NAMES
from castle_engine.fixed_point import parse_steps
from castle_engine.workload import generate

SYMBOL = "BTCUSDT"
E = TypeVar("E", bound=Event)


def new_engine(min_notional: int = 0) -> Engine:
    engine = Engine()
    engine.add_symbol(SymbolSpec(SYMBOL, min_notional=min_notional))
    return engine


def limit(
    order_id: int,
    user: str,
    side: int,
    price: int,
    qty: int,
    tif: int = GTC,
    stp: int = STP_NONE,
    order_type: int = LIMIT,
    client_order_id: str = "",
    stop_price: int = 0,
) -> Order:
    return Order(
        order_id,
        user,
        side,
        order_type,
        price,
        qty,
        tif,
        client_order_id=client_order_id,
        stop_price=stop_price,
        stp_mode=stp,
    )


def market(
    order_id: int, user: str, side: int = BUY, qty: int = 0, quote: int = 0, stp: int = STP_NONE
) -> Order:
    return Order(order_id, user, side, MARKET, quantity=qty, quote_quantity=quote, stp_mode=stp)


def of_type(events: list[Event], kind: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, kind)]


def events_hash(events: list[Event]) -> str:
    return hashlib.sha256("\n".join(event.line() for event in events).encode()).hexdigest()


Command = tuple[str, Order | int, str]


def commands_from_workload(ops: int, seed: int) -> list[Command]:
    """The workload generator's operations as engine commands (ids, users, ticks, lots)."""
    lines: list[str] = []
    generate(ops, seed, lines)
    owners: dict[int, str] = {}
    commands: list[Command] = []
    for raw in lines:
        line = json.loads(raw)
        order_id = int(line["id"])
        if line["op"] == "cancel":
            commands.append(("cancel", order_id, owners[order_id]))
            continue
        owners[order_id] = line["user"]
        side = BUY if line["side"] == "buy" else SELL
        lots = parse_steps(line["qty"], 10_000, 8)
        if line["op"] == "market":
            commands.append(("submit", market(order_id, line["user"], side, qty=lots), ""))
        else:
            ticks = parse_steps(line["price"], 1_000_000, 8)
            tif = TIF_NAMES.index(line["tif"])
            commands.append(("submit", limit(order_id, line["user"], side, ticks, lots, tif=tif), ""))
    return commands


def run(engine: Engine, commands: list[Command], submitted: list[Order] | None = None) -> list[Event]:
    """Apply a fresh copy of each command in order and return the drained events; the Order objects
    handed to the engine are appended to `submitted` when one is given."""
    for command in commands:
        _, payload, user = fresh(command)
        if isinstance(payload, Order):
            if submitted is not None:
                submitted.append(payload)
            engine.submit(SYMBOL, payload)
        else:
            engine.cancel(SYMBOL, payload, user)
    return engine.drain()


def fresh(command: Command) -> Command:
    """A copy of the command (the engine owns submitted Order objects)."""
    kind, payload, user = command
    if isinstance(payload, Order):
        o = payload
        copy = Order(
            o.order_id,
            o.user_id,
            o.side,
            o.order_type,
            o.price,
            o.quantity,
            o.time_in_force,
            o.client_order_id,
            o.quote_quantity,
            o.stop_price,
            o.stp_mode,
            o.order_list_id,
        )
        return kind, copy, user
    return command
