"""Applies one event to the profiles it concerns: the alerts it raises and the profiles afterwards.

Pure. The consumer loads `profiles_needed(event)`, calls `observe`, writes the alerts, then writes the
new profiles atomically (all or none), so an event is either fully remembered or not at all; a
redelivered event is recognised by its key in the profiles' `seen_events` and observed as a no-op.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from castle.contracts.activity import (
    ActivityEvent,
    BaseActivity,
    DepositCredited,
    OrderPlaced,
    UserLoggedIn,
    WithdrawalRequested,
)
from castle.contracts.events import EngineEvent, OrderAccepted, OrderDone, Trade
from castle.fraud.profile import MAX_SEEN_EVENTS, OpenLargeOrder, UserProfile, remember
from castle.fraud.rules import (
    DAY_MS,
    DEFAULT_THRESHOLDS,
    MINUTE_MS,
    Alert,
    Thresholds,
    large_order_notional,
    new_country_withdrawal,
    order_velocity,
    spoofing,
    wash_trading,
    withdrawal_after_deposit,
    withdrawal_velocity,
)

FraudInput = ActivityEvent | EngineEvent


@dataclass
class Observation:
    alerts: list[Alert] = field(default_factory=list)
    profiles: dict[str, UserProfile] = field(default_factory=dict)


def event_key(event: FraudInput) -> str:
    if isinstance(event, BaseActivity):
        return f"activity:{event.event_id}"
    return f"engine:{event.symbol}:{event.seq}"


def profiles_needed(event: FraudInput) -> list[str]:
    """The users whose profiles an event reads or changes (none: the event is irrelevant)."""
    if isinstance(event, Trade):
        return sorted({event.maker_user_id, event.taker_user_id})
    if isinstance(event, OrderAccepted | OrderDone):
        return [event.user_id]
    if isinstance(event, BaseActivity):
        return [event.user_id]  # every activity event tells the user's device and IP
    return []


def observe(
    event: FraudInput, profiles: Mapping[str, UserProfile], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Observation:
    key = event_key(event)
    if any(key in profiles[user].seen_events for user in profiles):
        return Observation()
    updated = {user: profile.model_copy(deep=True) for user, profile in profiles.items()}
    alerts = _evaluate(event, profiles, updated, thresholds)
    for profile in updated.values():
        profile.seen_events = [*profile.seen_events, key][-MAX_SEEN_EVENTS:]
    return Observation(alerts=[a for a in alerts if a is not None], profiles=updated)


def _evaluate(
    event: FraudInput,
    before: Mapping[str, UserProfile],
    after: dict[str, UserProfile],
    thresholds: Thresholds,
) -> list[Alert | None]:
    if isinstance(event, Trade):
        for profile in after.values():
            profile.last_trade_ms = max(profile.last_trade_ms or 0, event.ts_ms)
        return [wash_trading(event, before[event.maker_user_id], before[event.taker_user_id], thresholds)]
    if isinstance(event, OrderAccepted):
        notional = large_order_notional(event, thresholds)
        if notional is not None:
            after[event.user_id].open_large_orders[str(event.order_id)] = OpenLargeOrder(
                symbol=event.symbol, placed_ms=event.ts_ms, notional=f"{notional:f}"
            )
        return []
    if isinstance(event, OrderDone):
        after[event.user_id].open_large_orders.pop(str(event.order_id), None)
        return [spoofing(before[event.user_id], event, thresholds)]
    if not isinstance(event, BaseActivity):
        return []
    profile, prior = after[event.user_id], before[event.user_id]
    profile.devices = remember(profile.devices, event.device_id)
    profile.ips = remember(profile.ips, event.ip)
    if isinstance(event, UserLoggedIn) and event.country and event.country not in profile.countries:
        if profile.countries:
            profile.new_country, profile.new_country_login_ms = event.country, event.ts_ms
        profile.countries = remember(profile.countries, event.country)
    elif isinstance(event, DepositCredited):
        profile.last_deposit_ms = max(profile.last_deposit_ms or 0, event.ts_ms)
    elif isinstance(event, OrderPlaced):
        profile.order_times_ms = [t for t in profile.order_times_ms if event.ts_ms - t < MINUTE_MS]
        profile.order_times_ms.append(event.ts_ms)
        return [order_velocity(prior, event, thresholds)]
    elif isinstance(event, WithdrawalRequested):
        profile.withdrawal_addresses = remember(profile.withdrawal_addresses, event.address)
        profile.withdrawal_times_ms = [t for t in profile.withdrawal_times_ms if event.ts_ms - t < DAY_MS]
        profile.withdrawal_times_ms.append(event.ts_ms)
        return [
            withdrawal_after_deposit(prior, event, thresholds),
            new_country_withdrawal(prior, event, thresholds),
            withdrawal_velocity(prior, event, thresholds),
        ]
    return []
