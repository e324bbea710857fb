"""Engine events: what the engine host publishes to Kinesis (partition key = symbol).

Every event carries the symbol's engine sequence number `seq`, strictly increasing per symbol with no
gaps, so consumers de-duplicate redelivered records by (symbol, seq). `ts_ms` is the causing
command's timestamp. Amounts are decimal strings.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from castle.contracts.commands import OrderType, Side, SymbolStatus, TimeInForce

EVENT_VERSION: Literal[1] = 1

OrderFinalStatus = Literal["FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH", "REJECTED"]

# Reject reasons that mean "this command was a duplicate of one already applied": such a
# rejection must not release the original order's hold.
DUPLICATE_REASONS = frozenset({"DUPLICATE_ORDER_ID", "DUPLICATE_CLIENT_ORDER_ID"})


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    v: Literal[1] = EVENT_VERSION
    symbol: str
    seq: int
    ts_ms: int = 0
    command_id: str = ""


class OrderAccepted(_Event):
    type: Literal["order_accepted"] = "order_accepted"
    order_id: int
    client_order_id: str
    user_id: str
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    quote_quantity: Decimal | None = None
    stop_price: Decimal | None = None
    order_list_id: int | None = None


class OrderRejected(_Event):
    """A command the engine refused. For a new order, its whole hold is released (unless duplicate)."""

    type: Literal["order_rejected"] = "order_rejected"
    order_id: int
    client_order_id: str = ""
    user_id: str
    reason: str


class CancelRejected(_Event):
    type: Literal["cancel_rejected"] = "cancel_rejected"
    order_id: int
    user_id: str
    reason: str


class Trade(_Event):
    type: Literal["trade"] = "trade"
    trade_id: int
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    maker_order_id: int
    taker_order_id: int
    maker_user_id: str
    taker_user_id: str
    taker_side: Side


class OrderTriggered(_Event):
    """A stop order whose stop price was reached: it now enters the book as a limit order."""

    type: Literal["order_triggered"] = "order_triggered"
    order_id: int
    user_id: str


class OrderDone(_Event):
    """An order left the engine. Its remaining hold is released."""

    type: Literal["order_done"] = "order_done"
    order_id: int
    user_id: str
    status: OrderFinalStatus
    executed_quantity: Decimal
    cumulative_quote_quantity: Decimal
    reason: str = ""


class DepthUpdate(_Event):
    """Changed L2 levels after one command: [price, total quantity]; quantity "0" removes a level.

    first_update_id/last_update_id are Binance's U/u: a client applies an update when
    U <= lastUpdateId + 1 <= u of its snapshot.
    """

    type: Literal["depth"] = "depth"
    first_update_id: int
    last_update_id: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


class SymbolStatusChanged(_Event):
    type: Literal["symbol_status"] = "symbol_status"
    status: SymbolStatus


EngineEvent = Annotated[
    OrderAccepted
    | OrderRejected
    | CancelRejected
    | Trade
    | OrderTriggered
    | OrderDone
    | DepthUpdate
    | SymbolStatusChanged,
    Field(discriminator="type"),
]
ENGINE_EVENT: TypeAdapter[EngineEvent] = TypeAdapter(EngineEvent)


def decode_event(data: str | bytes) -> EngineEvent:
    return ENGINE_EVENT.validate_json(data)


def encode_event(event: EngineEvent) -> str:
    return event.model_dump_json(exclude_none=True)
