"""Each fraud rule: one case that must raise an alert, one that must not."""

from decimal import Decimal

from castle.contracts.activity import OrderPlaced, WithdrawalRequested
from castle.contracts.events import OrderDone, OrderFinalStatus, Trade
from castle.fraud.profile import OpenLargeOrder, UserProfile
from castle.fraud.rules import (
    DAY_MS,
    HOUR_MS,
    Thresholds,
    large_order_notional,
    new_country_withdrawal,
    order_velocity,
    spoofing,
    wash_trading,
    withdrawal_after_deposit,
    withdrawal_velocity,
)
from tests.support.contract_events import a_done_order, a_trade, an_accepted_order

T = 1_800_000_000_000


def trade(maker: str, taker: str, seq: int = 1) -> Trade:
    return a_trade(seq=seq, ts_ms=T, maker=maker, taker=taker)


def withdrawal(ts_ms: int = T, user: str = "u", wid: str = "w-1") -> WithdrawalRequested:
    return WithdrawalRequested(
        event_id=f"e-{wid}",
        user_id=user,
        ts_ms=ts_ms,
        withdrawal_id=wid,
        asset="BTC",
        amount=Decimal("0.5"),
        address="bc1qdest",
    )


def placed(ts_ms: int, user: str = "u") -> OrderPlaced:
    return OrderPlaced(
        event_id=f"o-{ts_ms}",
        user_id=user,
        ts_ms=ts_ms,
        order_id=ts_ms,
        symbol="BTCUSDT",
        side="BUY",
        order_type="LIMIT",
        price=Decimal(100),
        quantity=Decimal(1),
    )


def cancelled(order_id: int, ts_ms: int, status: OrderFinalStatus = "CANCELED") -> OrderDone:
    return a_done_order(order_id=order_id, status=status, seq=9, ts_ms=ts_ms)


# --- wash trading ---------------------------------------------------------------------------------


def test_trade_between_a_user_and_itself_is_wash_trading() -> None:
    alert = wash_trading(trade("u", "u"), UserProfile(user_id="u"), UserProfile(user_id="u"))
    assert alert is not None
    assert (alert.rule, alert.details["link"]) == ("wash_trading", "same_user")
    assert alert.alert_id == "wash_trading:BTCUSDT:1"


def test_trade_between_users_sharing_a_device_is_wash_trading() -> None:
    maker = UserProfile(user_id="a", devices=["dev-1"], ips=["10.0.0.1"])
    taker = UserProfile(user_id="b", devices=["dev-9", "dev-1"], ips=["10.0.0.2"])
    alert = wash_trading(trade("a", "b"), maker, taker)
    assert alert is not None
    assert (alert.details["link"], alert.details["shared"]) == ("device", "dev-1")
    assert alert.related_user_ids == ("a",)


def test_trade_between_users_sharing_a_withdrawal_address_is_wash_trading() -> None:
    maker = UserProfile(user_id="a", withdrawal_addresses=["bc1qsame"])
    taker = UserProfile(user_id="b", withdrawal_addresses=["bc1qsame"])
    alert = wash_trading(trade("a", "b"), maker, taker)
    assert alert is not None and alert.details["link"] == "withdrawal_address"


def test_trade_between_unrelated_users_is_not_wash_trading() -> None:
    maker = UserProfile(user_id="a", devices=["dev-1"], ips=["10.0.0.1"], withdrawal_addresses=["x"])
    taker = UserProfile(user_id="b", devices=["dev-2"], ips=["10.0.0.2"], withdrawal_addresses=["y"])
    assert wash_trading(trade("a", "b"), maker, taker) is None


# --- withdrawal right after a deposit --------------------------------------------------------------


def test_withdrawal_soon_after_a_deposit_without_trading_is_flagged_and_freezes() -> None:
    alert = withdrawal_after_deposit(UserProfile(user_id="u", last_deposit_ms=T - HOUR_MS), withdrawal())
    assert alert is not None
    assert (alert.rule, alert.freeze_withdrawals) == ("withdrawal_after_deposit", True)


def test_withdrawal_after_a_deposit_with_a_trade_in_between_is_not_flagged() -> None:
    profile = UserProfile(user_id="u", last_deposit_ms=T - HOUR_MS, last_trade_ms=T - HOUR_MS + 1)
    assert withdrawal_after_deposit(profile, withdrawal()) is None


def test_withdrawal_long_after_a_deposit_is_not_flagged() -> None:
    profile = UserProfile(user_id="u", last_deposit_ms=T - 2 * DAY_MS)
    assert withdrawal_after_deposit(profile, withdrawal()) is None


def test_withdrawal_without_any_deposit_is_not_flagged() -> None:
    assert withdrawal_after_deposit(UserProfile(user_id="u"), withdrawal()) is None


# --- login from a new country, then a withdrawal -----------------------------------------------------


def test_withdrawal_within_hours_of_a_login_from_a_new_country_is_high_severity() -> None:
    profile = UserProfile(
        user_id="u", countries=["DE", "BR"], new_country="BR", new_country_login_ms=T - HOUR_MS
    )
    alert = new_country_withdrawal(profile, withdrawal())
    assert alert is not None
    assert (alert.severity, alert.freeze_withdrawals, alert.details["country"]) == ("high", True, "BR")


def test_withdrawal_days_after_the_new_country_login_is_not_flagged() -> None:
    profile = UserProfile(
        user_id="u", countries=["DE", "BR"], new_country="BR", new_country_login_ms=T - 3 * DAY_MS
    )
    assert new_country_withdrawal(profile, withdrawal()) is None


def test_withdrawal_without_a_new_country_login_is_not_flagged() -> None:
    assert new_country_withdrawal(UserProfile(user_id="u", countries=["DE"]), withdrawal()) is None


# --- velocity --------------------------------------------------------------------------------------


def test_orders_over_the_per_minute_limit_are_flagged() -> None:
    limits = Thresholds(max_orders_per_minute=3)
    profile = UserProfile(user_id="u", order_times_ms=[T - 30_000, T - 20_000, T - 10_000])
    alert = order_velocity(profile, placed(T), limits)
    assert alert is not None and alert.details["orders_last_minute"] == "4"


def test_orders_at_the_limit_or_spread_over_minutes_are_not_flagged() -> None:
    limits = Thresholds(max_orders_per_minute=3)
    assert order_velocity(UserProfile(user_id="u", order_times_ms=[T - 2, T - 1]), placed(T), limits) is None
    old = UserProfile(user_id="u", order_times_ms=[T - 90_000, T - 80_000, T - 70_000])
    assert order_velocity(old, placed(T), limits) is None


def test_withdrawals_over_the_daily_limit_are_flagged() -> None:
    limits = Thresholds(max_withdrawals_per_day=2)
    profile = UserProfile(user_id="u", withdrawal_times_ms=[T - HOUR_MS, T - 2 * HOUR_MS])
    alert = withdrawal_velocity(profile, withdrawal(), limits)
    assert alert is not None and alert.rule == "withdrawal_velocity"


def test_withdrawals_under_the_daily_limit_are_not_flagged() -> None:
    limits = Thresholds(max_withdrawals_per_day=2)
    profile = UserProfile(user_id="u", withdrawal_times_ms=[T - HOUR_MS, T - 2 * DAY_MS])
    assert withdrawal_velocity(profile, withdrawal(), limits) is None


# --- spoofing --------------------------------------------------------------------------------------


def large_open_order(placed_ms: int) -> UserProfile:
    order = OpenLargeOrder(symbol="BTCUSDT", placed_ms=placed_ms, notional="150000")
    return UserProfile(user_id="u", open_large_orders={"42": order})


def test_large_order_cancelled_within_the_window_is_spoofing() -> None:
    alert = spoofing(large_open_order(T), cancelled(42, T + 300))
    assert alert is not None
    assert (alert.alert_id, alert.details["lifetime_ms"]) == ("spoofing:BTCUSDT:42", "300")


def test_large_order_cancelled_after_the_window_is_not_spoofing() -> None:
    assert spoofing(large_open_order(T), cancelled(42, T + 60_000)) is None


def test_large_order_that_filled_is_not_spoofing() -> None:
    assert spoofing(large_open_order(T), cancelled(42, T + 300, status="FILLED")) is None


def test_small_order_cancelled_at_once_is_not_spoofing() -> None:
    small = an_accepted_order(order_id=7, price="100", qty="1", ts_ms=T)
    assert large_order_notional(small) is None
    assert spoofing(UserProfile(user_id="u"), cancelled(7, T + 1)) is None


def test_an_order_is_large_from_the_quote_assets_threshold() -> None:
    big = an_accepted_order(order_id=7, side="SELL", price="50000", qty="2", ts_ms=T)
    assert large_order_notional(big) == Decimal(100_000)
