"""What fraud detection remembers about one user: a small, bounded summary of recent activity."""

from pydantic import BaseModel, ConfigDict, Field

# Bounds keep a profile far below DynamoDB's 400 KB item limit.
MAX_IDENTIFIERS = 20
MAX_SEEN_EVENTS = 200


class OpenLargeOrder(BaseModel):
    model_config = ConfigDict(frozen=True)
    symbol: str
    placed_ms: int
    notional: str


class UserProfile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    user_id: str
    countries: list[str] = Field(default_factory=list)
    devices: list[str] = Field(default_factory=list)
    ips: list[str] = Field(default_factory=list)
    withdrawal_addresses: list[str] = Field(default_factory=list)
    last_deposit_ms: int | None = None
    last_trade_ms: int | None = None
    new_country: str = ""
    new_country_login_ms: int | None = None
    order_times_ms: list[int] = Field(default_factory=list)
    withdrawal_times_ms: list[int] = Field(default_factory=list)
    open_large_orders: dict[str, OpenLargeOrder] = Field(default_factory=dict)
    seen_events: list[str] = Field(default_factory=list)

    def identifiers(self) -> dict[str, set[str]]:
        """What links accounts: the same device, IP or withdrawal address."""
        return {
            "device": set(self.devices),
            "ip": set(self.ips),
            "withdrawal_address": set(self.withdrawal_addresses),
        }


def remember(values: list[str], value: str, limit: int = MAX_IDENTIFIERS) -> list[str]:
    """Most-recent-last list of distinct values, bounded."""
    if not value:
        return values
    kept = [v for v in values if v != value] + [value]
    return kept[-limit:]
