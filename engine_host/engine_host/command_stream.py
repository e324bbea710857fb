"""Contract commands (castle.contracts.commands) generated from castle_engine.workload: the same
realistic mix of limit, market, IOC and cancel orders, for tests, the benchmark and demos."""

from decimal import Decimal

import orjson

from castle.contracts.commands import CancelOrder, EngineCommand, NewOrder, OrderSpec, encode_command
from castle_engine import workload

_SIDES = {"buy": "BUY", "sell": "SELL"}


def generate_commands(
    count: int,
    seed: int = 1,
    symbol: str = "BTCUSDT",
    order_id_base: int = 0,
    start_ms: int = 1_700_000_000_000,
) -> list[EngineCommand]:
    lines: list[str] = []
    workload.generate(count, seed, lines)
    owners: dict[int, str] = {}
    commands: list[EngineCommand] = []
    for index, line in enumerate(lines):
        op = orjson.loads(line)
        order_id = order_id_base + int(op["id"])
        common = {"command_id": f"{symbol}-{seed}-{index}", "symbol": symbol, "ts_ms": start_ms + index}
        if op["op"] == "cancel":
            commands.append(CancelOrder(order_id=order_id, user_id=owners[order_id], **common))  # type: ignore[arg-type]
            continue
        owners[order_id] = op["user"]
        is_limit = op["op"] == "limit"
        spec = OrderSpec(
            order_id=order_id,
            client_order_id=f"c{order_id}",
            user_id=op["user"],
            side=_SIDES[op["side"]],  # type: ignore[arg-type]
            order_type="LIMIT" if is_limit else "MARKET",
            time_in_force=op["tif"] if is_limit else None,
            price=Decimal(op["price"]) if is_limit else None,
            quantity=Decimal(op["qty"]),
            stp_mode=op.get("stp", "NONE"),
        )
        commands.append(NewOrder(order=spec, **common))  # type: ignore[arg-type]
    return commands


def interleave(*streams: list[EngineCommand]) -> list[EngineCommand]:
    """Round-robin merge of per-symbol streams (each keeps its own order, as SQS FIFO groups do)."""
    merged: list[EngineCommand] = []
    for index in range(max((len(s) for s in streams), default=0)):
        merged.extend(s[index] for s in streams if index < len(s))
    return merged


def bodies(commands: list[EngineCommand]) -> list[bytes]:
    return [encode_command(c).encode() for c in commands]
