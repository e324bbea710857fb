"""Engine commands: what the API puts on the SQS FIFO order queue, and the engine host reads.

One message per command: MessageGroupId = symbol, MessageDeduplicationId = command_id.
Amounts are decimal strings; the engine host converts them to ticks/lots with the symbol's Market.
`ts_ms` is stamped by the API and used by the engine host as the event time, so a replay of the
same commands yields the same events byte for byte.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Side = Literal["BUY", "SELL"]
OrderType = Literal["LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"]
TimeInForce = Literal["GTC", "IOC", "FOK"]
StpMode = Literal["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"]
SymbolStatus = Literal["TRADING", "HALT", "BREAK", "CANCEL_ONLY"]

COMMAND_VERSION: Literal[1] = 1


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    v: Literal[1] = COMMAND_VERSION
    command_id: str = Field(min_length=1, max_length=128)
    symbol: str
    ts_ms: int = 0


class OrderSpec(BaseModel):
    """One order as the engine needs it. order_id is assigned by the ledger when funds are held."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    order_id: int
    client_order_id: str
    user_id: str
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    # MARKET BUY by quote amount (quoteOrderQty), and the budget cap of a MARKET BUY by quantity.
    quote_quantity: Decimal | None = None
    stop_price: Decimal | None = None
    stp_mode: StpMode = "NONE"
    order_list_id: int | None = None


class NewOrder(_Command):
    type: Literal["new_order"] = "new_order"
    order: OrderSpec


class CancelOrder(_Command):
    type: Literal["cancel_order"] = "cancel_order"
    order_id: int
    user_id: str


class CancelReplace(_Command):
    """Cancel `cancel_order_id` then place `order`; same price with lower quantity keeps priority."""

    type: Literal["cancel_replace"] = "cancel_replace"
    cancel_order_id: int
    order: OrderSpec


class NewOco(_Command):
    """Binance orderList/oco: a LIMIT_MAKER leg and a stop leg; one filling or triggering cancels the
    other."""

    type: Literal["new_oco"] = "new_oco"
    order_list_id: int
    limit_leg: OrderSpec
    stop_leg: OrderSpec


class SetSymbolStatus(_Command):
    type: Literal["set_status"] = "set_status"
    status: SymbolStatus


EngineCommand = Annotated[
    NewOrder | CancelOrder | CancelReplace | NewOco | SetSymbolStatus, Field(discriminator="type")
]
ENGINE_COMMAND: TypeAdapter[EngineCommand] = TypeAdapter(EngineCommand)


def decode_command(body: str | bytes) -> EngineCommand:
    """Parse one SQS message body; raises pydantic.ValidationError for a poison message."""
    return ENGINE_COMMAND.validate_json(body)


def encode_command(command: EngineCommand) -> str:
    return command.model_dump_json(exclude_none=True)
