"""Events applied in sequence to profiles: the rules see what earlier events taught them."""

from collections.abc import Sequence
from decimal import Decimal

from castle.contracts.activity import DepositCredited, UserLoggedIn, WithdrawalRequested
from castle.fraud.detector import FraudInput, observe, profiles_needed
from castle.fraud.profile import UserProfile
from castle.fraud.rules import Alert
from tests.support.contract_events import a_done_order, a_trade, an_accepted_order

T = 1_800_000_000_000


class Profiles:
    """Replays events the way the consumer does: load, observe, keep the new profiles."""

    def __init__(self) -> None:
        self.by_user: dict[str, UserProfile] = {}

    def feed(self, events: Sequence[FraudInput]) -> list[Alert]:
        alerts: list[Alert] = []
        for event in events:
            users = profiles_needed(event)
            loaded = {u: self.by_user.get(u, UserProfile(user_id=u)) for u in users}
            seen = observe(event, loaded)
            alerts += seen.alerts
            self.by_user.update(seen.profiles)
        return alerts


def login(user: str, country: str, ts_ms: int, device: str = "", eid: str = "") -> UserLoggedIn:
    return UserLoggedIn(
        event_id=eid or f"login-{user}-{ts_ms}", user_id=user, ts_ms=ts_ms, country=country, device_id=device
    )


def withdraw(user: str, ts_ms: int, address: str = "bc1qdest") -> WithdrawalRequested:
    return WithdrawalRequested(
        event_id=f"wd-{user}-{ts_ms}",
        user_id=user,
        ts_ms=ts_ms,
        withdrawal_id=f"w{ts_ms}",
        asset="BTC",
        amount=Decimal(1),
        address=address,
    )


def deposit(user: str, ts_ms: int) -> DepositCredited:
    return DepositCredited(
        event_id=f"dep-{ts_ms}",
        user_id=user,
        ts_ms=ts_ms,
        deposit_id=f"d{ts_ms}",
        asset="BTC",
        amount=Decimal(1),
    )


def test_first_login_country_is_home_and_a_second_country_then_withdrawal_raises_an_alert() -> None:
    profiles = Profiles()
    alerts = profiles.feed([login("u", "DE", T), withdraw("u", T + 1000)])
    assert alerts == []

    alerts = profiles.feed([login("u", "BR", T + 2 * 86_400_000), withdraw("u", T + 2 * 86_400_000 + 60_000)])
    assert [a.rule for a in alerts] == ["new_country_withdrawal"]


def test_deposit_then_trade_then_withdrawal_is_clean_but_without_the_trade_it_is_not() -> None:
    trade = a_trade(ts_ms=T + 10, maker="mm", taker="traded")
    profiles = Profiles()
    assert profiles.feed([deposit("traded", T), trade, withdraw("traded", T + 20)]) == []
    assert [a.rule for a in profiles.feed([deposit("idle", T), withdraw("idle", T + 20)])] == [
        "withdrawal_after_deposit"
    ]


def test_accounts_linked_by_a_shared_device_trading_together_raise_wash_trading() -> None:
    profiles = Profiles()
    profiles.feed([login("a", "DE", T, device="phone-1"), login("b", "DE", T, device="phone-1")])
    trade = a_trade(seq=5, ts_ms=T + 1, maker="a", taker="b", taker_side="SELL")
    assert [a.rule for a in profiles.feed([trade])] == ["wash_trading"]


def test_large_order_accepted_and_cancelled_at_once_is_spoofing() -> None:
    accepted = an_accepted_order(order_id=9, price="60000", qty="5", ts_ms=T)
    done = a_done_order(order_id=9, ts_ms=T + 150)
    profiles = Profiles()
    assert [a.rule for a in profiles.feed([accepted, done])] == ["spoofing"]
    assert profiles.by_user["u"].open_large_orders == {}


def test_a_redelivered_event_changes_nothing_and_raises_nothing_new() -> None:
    profiles = Profiles()
    profiles.feed([login("u", "DE", T), login("u", "BR", T + 1)])
    first = profiles.feed([withdraw("u", T + 2)])
    before = profiles.by_user["u"].model_copy(deep=True)

    again = profiles.feed([withdraw("u", T + 2)])

    assert [a.rule for a in first] == ["new_country_withdrawal"]
    assert again == []
    assert profiles.by_user["u"] == before
