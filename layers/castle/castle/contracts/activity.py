"""User activity events: what the API publishes to the activity Kinesis stream (partition key = user).

Each event has a unique `event_id` (consumers de-duplicate redelivered records by it), the user it is
about, the time it happened (`ts_ms`) and where it came from (IP, device, country as the edge saw them).
Amounts are decimal strings. Version 1; a new version adds a new `v` literal beside the old one.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from castle.contracts.commands import OrderType, Side

ACTIVITY_VERSION: Literal[1] = 1


class BaseActivity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    v: Literal[1] = ACTIVITY_VERSION
    event_id: str = Field(min_length=1, max_length=128)
    user_id: str = Field(min_length=1)
    ts_ms: int
    ip: str = ""
    device_id: str = ""
    # ISO 3166-1 alpha-2 code (CloudFront-Viewer-Country), "" when unknown.
    country: str = ""


class UserLoggedIn(BaseActivity):
    type: Literal["login"] = "login"
    method: Literal["password", "refresh", "mfa"] = "password"


class OrderPlaced(BaseActivity):
    type: Literal["order_placed"] = "order_placed"
    order_id: int
    symbol: str
    side: Side
    order_type: OrderType
    price: Decimal | None = None
    quantity: Decimal | None = None
    quote_quantity: Decimal | None = None


class OrderCancelled(BaseActivity):
    type: Literal["order_cancelled"] = "order_cancelled"
    order_id: int
    symbol: str


class ApiKeyUsed(BaseActivity):
    type: Literal["api_key_used"] = "api_key_used"
    api_key_id: str
    method: str
    path: str


class DepositCredited(BaseActivity):
    type: Literal["deposit"] = "deposit"
    deposit_id: str
    asset: str
    amount: Decimal


class WithdrawalRequested(BaseActivity):
    type: Literal["withdrawal_requested"] = "withdrawal_requested"
    withdrawal_id: str
    asset: str
    amount: Decimal
    address: str


ActivityEvent = Annotated[
    UserLoggedIn | OrderPlaced | OrderCancelled | ApiKeyUsed | DepositCredited | WithdrawalRequested,
    Field(discriminator="type"),
]
ACTIVITY_EVENT: TypeAdapter[ActivityEvent] = TypeAdapter(ActivityEvent)
ACTIVITY_TYPES = frozenset(
    {"login", "order_placed", "order_cancelled", "api_key_used", "deposit", "withdrawal_requested"}
)


def decode_activity(data: str | bytes) -> ActivityEvent:
    return ACTIVITY_EVENT.validate_json(data)


def encode_activity(event: ActivityEvent) -> str:
    return event.model_dump_json(exclude_none=True)
