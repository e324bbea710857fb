"""The fraud rules. Each is a pure function of a user's profile (as it was BEFORE the event) and the
event, returning an alert or None. Alert ids are deterministic (rule + cause), so re-evaluating a
redelivered event rewrites the same alert rather than adding one.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from castle.contracts.activity import OrderPlaced, WithdrawalRequested
from castle.contracts.events import OrderAccepted, OrderDone, Trade
from castle.domain.markets import market
from castle.fraud.profile import UserProfile

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000

Rule = Literal[
    "wash_trading",
    "withdrawal_after_deposit",
    "new_country_withdrawal",
    "order_velocity",
    "withdrawal_velocity",
    "spoofing",
]
Severity = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class Thresholds:
    deposit_withdrawal_window_ms: int = DAY_MS
    new_country_withdrawal_window_ms: int = 24 * HOUR_MS
    max_orders_per_minute: int = 120
    max_withdrawals_per_day: int = 5
    spoof_cancel_within_ms: int = 2_000
    # An order is "large" from this notional, in its quote asset.
    spoof_min_notional: Mapping[str, Decimal] = field(
        default_factory=lambda: MappingProxyType({"USDT": Decimal(100_000), "BTC": Decimal(2)})
    )
    # Rules whose alert stops the user's withdrawals until an operator clears it.
    freezing_rules: frozenset[str] = frozenset({"new_country_withdrawal", "withdrawal_after_deposit"})


DEFAULT_THRESHOLDS = Thresholds()


class Alert(BaseModel):
    model_config = ConfigDict(frozen=True)
    alert_id: str
    rule: Rule
    user_id: str
    ts_ms: int
    severity: Severity
    freeze_withdrawals: bool = False
    related_user_ids: tuple[str, ...] = ()
    details: dict[str, str] = Field(default_factory=dict)


def _alert(
    rule: Rule,
    cause: str,
    user_id: str,
    ts_ms: int,
    severity: Severity,
    thresholds: Thresholds,
    related: tuple[str, ...] = (),
    **details: str,
) -> Alert:
    return Alert(
        alert_id=f"{rule}:{cause}",
        rule=rule,
        user_id=user_id,
        ts_ms=ts_ms,
        severity=severity,
        freeze_withdrawals=rule in thresholds.freezing_rules,
        related_user_ids=related,
        details=details,
    )


def wash_trading(
    trade: Trade, maker: UserProfile, taker: UserProfile, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """Both sides of a trade are one beneficial owner: the same user, or users sharing an identifier."""
    cause = f"{trade.symbol}:{trade.seq}"
    if trade.maker_user_id == trade.taker_user_id:
        return _alert(
            "wash_trading",
            cause,
            trade.taker_user_id,
            trade.ts_ms,
            "medium",
            thresholds,
            link="same_user",
            symbol=trade.symbol,
        )
    taker_ids = taker.identifiers()
    for kind, values in maker.identifiers().items():
        shared = values & taker_ids[kind]
        if shared:
            return _alert(
                "wash_trading",
                cause,
                trade.taker_user_id,
                trade.ts_ms,
                "high",
                thresholds,
                related=(trade.maker_user_id,),
                link=kind,
                shared=sorted(shared)[0],
                symbol=trade.symbol,
            )
    return None


def withdrawal_after_deposit(
    profile: UserProfile, withdrawal: WithdrawalRequested, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """Money in and straight back out, without a trade in between: a pass-through."""
    deposit = profile.last_deposit_ms
    if deposit is None or withdrawal.ts_ms - deposit > thresholds.deposit_withdrawal_window_ms:
        return None
    if profile.last_trade_ms is not None and profile.last_trade_ms >= deposit:
        return None
    return _alert(
        "withdrawal_after_deposit",
        withdrawal.withdrawal_id,
        withdrawal.user_id,
        withdrawal.ts_ms,
        "medium",
        thresholds,
        deposit_ms=str(deposit),
        asset=withdrawal.asset,
    )


def new_country_withdrawal(
    profile: UserProfile, withdrawal: WithdrawalRequested, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """A login from a country never seen before, then a withdrawal soon after: account takeover."""
    login = profile.new_country_login_ms
    if login is None or not 0 <= withdrawal.ts_ms - login <= thresholds.new_country_withdrawal_window_ms:
        return None
    return _alert(
        "new_country_withdrawal",
        withdrawal.withdrawal_id,
        withdrawal.user_id,
        withdrawal.ts_ms,
        "high",
        thresholds,
        country=profile.new_country,
        login_ms=str(login),
    )


def order_velocity(
    profile: UserProfile, order: OrderPlaced, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """More orders in the last minute than the limit (this order included)."""
    recent = sum(1 for t in profile.order_times_ms if order.ts_ms - t < MINUTE_MS) + 1
    if recent <= thresholds.max_orders_per_minute:
        return None
    return _alert(
        "order_velocity",
        f"{order.user_id}:{order.ts_ms // MINUTE_MS}",
        order.user_id,
        order.ts_ms,
        "low",
        thresholds,
        orders_last_minute=str(recent),
    )


def withdrawal_velocity(
    profile: UserProfile, withdrawal: WithdrawalRequested, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """More withdrawals in the last 24 hours than the limit (this one included)."""
    recent = sum(1 for t in profile.withdrawal_times_ms if withdrawal.ts_ms - t < DAY_MS) + 1
    if recent <= thresholds.max_withdrawals_per_day:
        return None
    return _alert(
        "withdrawal_velocity",
        f"{withdrawal.user_id}:{withdrawal.ts_ms // DAY_MS}",
        withdrawal.user_id,
        withdrawal.ts_ms,
        "medium",
        thresholds,
        withdrawals_last_day=str(recent),
    )


def large_order_notional(
    accepted: OrderAccepted, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Decimal | None:
    """The notional of a resting-capable order big enough to matter for spoofing, else None."""
    if accepted.price is None or accepted.quantity is None:
        return None
    notional = accepted.price * accepted.quantity
    floor = thresholds.spoof_min_notional.get(market(accepted.symbol).quote_asset)
    if floor is None or notional < floor:
        return None
    return notional


def spoofing(
    profile: UserProfile, done: OrderDone, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """A large order cancelled within moments of its placement: liquidity shown, never meant to trade."""
    placed = profile.open_large_orders.get(str(done.order_id))
    if placed is None or done.status != "CANCELED":
        return None
    lifetime = done.ts_ms - placed.placed_ms
    if lifetime > thresholds.spoof_cancel_within_ms:
        return None
    return _alert(
        "spoofing",
        f"{done.symbol}:{done.order_id}",
        done.user_id,
        done.ts_ms,
        "medium",
        thresholds,
        symbol=done.symbol,
        notional=placed.notional,
        lifetime_ms=str(lifetime),
    )
