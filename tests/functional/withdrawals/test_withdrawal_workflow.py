"""The withdrawal state machine (statemachines/withdrawal.asl.json) run by moto over our real handlers."""

from decimal import Decimal

import boto3
import pytest

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.adapters.wallets_wiring import get_custody, get_workflow
from castle.custody.port import TransientError
from castle.ledger.models import WithdrawalHold
from castle.wallets.records import NewWithdrawal
from castle.wallets.withdrawal import WithdrawalStatus, withdrawal_id_for
from tests.functional.withdrawals.conftest import WithdrawalDesk, body_of, external_address
from tests.support.conservation import assert_conserved

FEE = Decimal("0.0002")
ZERO = Decimal(0)


def test_withdrawal_to_a_known_address_completes_and_pays_the_fee(desk: WithdrawalDesk) -> None:
    user = desk.funded_user(amount="3")
    address = desk.known_address(user)

    response = desk.request(user, address, "0.5")
    assert response["statusCode"] == 202
    withdrawal = desk.finish(body_of(response)["id"])

    assert withdrawal.status == WithdrawalStatus.COMPLETED
    assert withdrawal.tx_id in get_custody().transactions()
    assert desk.balance(user) == (Decimal("3") - Decimal("0.5") - FEE, ZERO)
    steps = [event.status for event in withdrawal.history]
    assert steps[:4] == ["REQUESTED", "VALIDATED", "LIMITS_CHECKED", "HELD"]
    assert "BROADCAST" in steps and steps[-2:] == ["COMPLETED", "COMPLETED"]  # settle, then notify
    desk.assert_no_hold_left(user)


def test_withdrawal_state_and_history_are_visible_to_its_owner(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()
    withdrawal_id = body_of(desk.request(user, desk.known_address(user), "0.1"))["id"]
    desk.finish(withdrawal_id)

    body = body_of(desk.call("GET", f"/v1/withdrawals/{withdrawal_id}", user))

    assert body["status"] == "COMPLETED" and body["amount"] == "0.10000000" and body["fee"] == "0.00020000"
    assert [event["step"] for event in body["history"]][:4] == [
        "request",
        "validate",
        "check_limits",
        "place_hold",
    ]
    assert [w["id"] for w in body_of(desk.call("GET", "/v1/withdrawals", user))["withdrawals"]] == [
        withdrawal_id
    ]
    assert_conserved(desk.database_url)


def test_another_users_withdrawal_is_not_found(desk: WithdrawalDesk) -> None:
    owner, stranger = desk.funded_user(), desk.funded_user()
    withdrawal_id = body_of(desk.request(owner, desk.known_address(owner), "0.1"))["id"]
    desk.finish(withdrawal_id)

    response = desk.call("GET", f"/v1/withdrawals/{withdrawal_id}", stranger)

    assert response["statusCode"] == 404
    assert body_of(desk.call("GET", "/v1/withdrawals", stranger))["withdrawals"] == []
    assert_conserved(desk.database_url)


def test_the_same_idempotency_key_twice_is_one_withdrawal_and_one_execution(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()
    address = desk.known_address(user)

    first = desk.request(user, address, "0.2", key="key-1")
    second = desk.request(user, address, "0.2", key="key-1")
    desk.finish(body_of(first)["id"])
    third = desk.request(user, address, "0.2", key="key-1")

    assert (first["statusCode"], second["statusCode"], third["statusCode"]) == (202, 200, 200)
    assert body_of(first)["id"] == body_of(second)["id"] == body_of(third)["id"]
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=desk.state_machine_arn)
    assert len(executions["executions"]) == 1
    assert desk.balance(user) == (Decimal("3") - Decimal("0.2") - FEE, ZERO)
    assert_conserved(desk.database_url)


def test_reusing_an_idempotency_key_for_another_amount_is_refused(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()
    address = desk.known_address(user)
    desk.finish(body_of(desk.request(user, address, "0.2", key="key-2"))["id"])

    response = desk.request(user, address, "0.3", key="key-2")

    assert response["statusCode"] == 400
    assert_conserved(desk.database_url)


def test_a_request_that_fails_validation_in_the_workflow_is_failed_without_a_hold(
    desk: WithdrawalDesk,
) -> None:
    # The API validates too; the workflow must still defend itself against a record it cannot send.
    user = desk.funded_user()
    withdrawal_id = withdrawal_id_for(user, "bad-address")
    desk.store.create(
        NewWithdrawal(
            withdrawal_id,
            user,
            "bad-address",
            "BTC",
            "BTC",
            "bc1-not-an-address",
            to_minor_btc("0.1"),
            to_minor_btc("0.0002"),
            two_factor_verified=False,
        )
    )
    get_workflow().start(withdrawal_id)

    withdrawal = desk.finish(withdrawal_id)

    assert (withdrawal.status, withdrawal.failure_reason) == (WithdrawalStatus.FAILED, "INVALID_ADDRESS")
    assert desk.balance(user) == (Decimal("3"), ZERO)
    desk.assert_no_hold_left(user)


def test_a_withdrawal_above_the_daily_limit_fails_without_a_hold(desk: WithdrawalDesk) -> None:
    user = desk.funded_user(amount="5", kyc_tier=1)  # tier 1: 2 BTC per 24h
    address = desk.known_address(user)
    desk.finish(body_of(desk.request(user, address, "0.5"))["id"])

    withdrawal = desk.finish(body_of(desk.request(user, address, "1.6"))["id"])

    assert (withdrawal.status, withdrawal.failure_reason) == (WithdrawalStatus.FAILED, "DAILY_LIMIT_EXCEEDED")
    assert desk.balance(user) == (Decimal("5") - Decimal("0.5") - FEE, ZERO)
    desk.assert_no_hold_left(user)


def test_a_new_address_without_a_second_factor_fails(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()

    withdrawal = desk.finish(body_of(desk.request(user, external_address(), "0.1"))["id"])

    assert (withdrawal.status, withdrawal.failure_reason) == (WithdrawalStatus.FAILED, "TWO_FACTOR_REQUIRED")
    desk.assert_no_hold_left(user)


def test_a_withdrawal_larger_than_the_balance_fails_at_the_hold(desk: WithdrawalDesk) -> None:
    user = desk.funded_user(amount="0.1")

    withdrawal = desk.finish(body_of(desk.request(user, desk.known_address(user), "0.5"))["id"])

    assert (withdrawal.status, withdrawal.failure_reason) == (WithdrawalStatus.FAILED, "INSUFFICIENT_BALANCE")
    assert desk.balance(user) == (Decimal("0.1"), ZERO)
    desk.assert_no_hold_left(user)


def test_a_large_withdrawal_waits_for_an_administrator_and_completes_when_approved(
    desk: WithdrawalDesk,
) -> None:
    user = desk.funded_user(amount="3")
    withdrawal_id = body_of(desk.request(user, desk.known_address(user), "1.5"))["id"]  # threshold: 1 BTC
    desk.wait_for_status(withdrawal_id, WithdrawalStatus.AWAITING_APPROVAL)
    assert desk.balance(user) == (Decimal("3") - Decimal("1.5") - FEE, Decimal("1.5") + FEE)

    response = desk.call("POST", f"/v1/admin/withdrawals/{withdrawal_id}/approve", "admin-1", admin=True)
    withdrawal = desk.finish(withdrawal_id)

    assert response["statusCode"] == 200
    assert (withdrawal.status, withdrawal.reviewed_by) == (WithdrawalStatus.COMPLETED, "admin-1")
    desk.assert_no_hold_left(user)


def test_a_flagged_account_waits_for_approval_even_for_a_small_amount(desk: WithdrawalDesk) -> None:
    user = desk.funded_user(flagged=True)
    withdrawal_id = body_of(desk.request(user, desk.known_address(user), "0.01"))["id"]

    desk.wait_for_status(withdrawal_id, WithdrawalStatus.AWAITING_APPROVAL)
    desk.call("POST", f"/v1/admin/withdrawals/{withdrawal_id}/approve", "admin-1", admin=True)

    assert desk.finish(withdrawal_id).status == WithdrawalStatus.COMPLETED
    desk.assert_no_hold_left(user)


def test_a_rejected_withdrawal_releases_its_hold(desk: WithdrawalDesk) -> None:
    user = desk.funded_user(amount="3")
    withdrawal_id = body_of(desk.request(user, desk.known_address(user), "1.5"))["id"]
    desk.wait_for_status(withdrawal_id, WithdrawalStatus.AWAITING_APPROVAL)

    desk.call(
        "POST", f"/v1/admin/withdrawals/{withdrawal_id}/reject", "admin-1", {"reason": "odd"}, admin=True
    )
    withdrawal = desk.finish(withdrawal_id)

    assert (withdrawal.status, withdrawal.failure_reason) == (WithdrawalStatus.FAILED, "REJECTED_BY_ADMIN")
    assert desk.balance(user) == (Decimal("3"), ZERO)
    desk.assert_no_hold_left(user)


def test_only_administrators_may_approve(desk: WithdrawalDesk) -> None:
    user = desk.funded_user(amount="3")
    withdrawal_id = body_of(desk.request(user, desk.known_address(user), "1.5"))["id"]
    desk.wait_for_status(withdrawal_id, WithdrawalStatus.AWAITING_APPROVAL)

    refused = desk.call("POST", f"/v1/admin/withdrawals/{withdrawal_id}/approve", user)
    desk.call("POST", f"/v1/admin/withdrawals/{withdrawal_id}/reject", "admin-1", admin=True)

    assert refused["statusCode"] == 403
    assert desk.finish(withdrawal_id).status == WithdrawalStatus.FAILED
    desk.assert_no_hold_left(user)


def test_an_approval_that_never_comes_times_out_and_releases_the_hold(
    desk: WithdrawalDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASTLE_APPROVAL_TIMEOUT_S", "1")
    from castle.adapters.wallets_wiring import get_wallet_settings

    get_wallet_settings.cache_clear()
    user = desk.funded_user(amount="3")

    withdrawal = desk.finish(body_of(desk.request(user, desk.known_address(user), "1.5"))["id"])

    assert (withdrawal.status, withdrawal.failure_reason) == (WithdrawalStatus.FAILED, "APPROVAL_TIMEOUT")
    desk.assert_no_hold_left(user)


def test_a_broadcast_the_custody_refuses_releases_the_hold(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()
    address = desk.known_address(user, reject_broadcast=True)

    withdrawal = desk.finish(body_of(desk.request(user, address, "0.1"))["id"])

    assert (withdrawal.status, withdrawal.failure_reason) == (WithdrawalStatus.FAILED, "CUSTODY_REJECTED")
    assert desk.balance(user) == (Decimal("3"), ZERO)
    desk.assert_no_hold_left(user)


def test_a_transient_broadcast_failure_is_retried_and_the_withdrawal_completes(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()
    address = desk.known_address(user, transient_broadcast_failures=1)

    withdrawal = desk.finish(body_of(desk.request(user, address, "0.1"))["id"])

    assert withdrawal.status == WithdrawalStatus.COMPLETED
    assert len(get_custody().transactions()) == 1
    desk.assert_no_hold_left(user)


def test_confirmations_that_never_arrive_fail_the_withdrawal_and_release_the_hold(
    desk: WithdrawalDesk,
) -> None:
    user = desk.funded_user()
    address = desk.known_address(user, never_confirms=True)

    withdrawal = desk.finish(body_of(desk.request(user, address, "0.1"))["id"])

    assert (withdrawal.status, withdrawal.failure_reason) == (
        WithdrawalStatus.FAILED,
        "CONFIRMATIONS_TIMEOUT",
    )
    assert sum(1 for event in withdrawal.history if event.step == "check_confirmations") == 4
    desk.assert_no_hold_left(user)


class SettleFailsOnceLedger(PostgresLedger):
    """The real ledger, whose first settlement attempt hits a transient fault (a failover, say)."""

    settle_attempts = 0

    def settle_withdrawal(self, withdrawal_id: str, fee_minor: int) -> WithdrawalHold:
        type(self).settle_attempts += 1
        if type(self).settle_attempts == 1:
            raise TransientError("database failover in progress")
        return super().settle_withdrawal(withdrawal_id, fee_minor)


def test_a_transient_settlement_failure_is_retried_and_settles_once(
    desk: WithdrawalDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from castle.adapters import wallets_wiring
    from castle.adapters.postgres.pool import get_pool

    monkeypatch.setattr(wallets_wiring, "get_ledger", lambda: SettleFailsOnceLedger(get_pool()))
    user = desk.funded_user()

    withdrawal = desk.finish(body_of(desk.request(user, desk.known_address(user), "0.1"))["id"])

    assert withdrawal.status == WithdrawalStatus.COMPLETED
    assert SettleFailsOnceLedger.settle_attempts == 2
    assert desk.balance(user) == (Decimal("3") - Decimal("0.1") - FEE, ZERO)
    desk.assert_no_hold_left(user)


def to_minor_btc(amount: str) -> int:
    return int(Decimal(amount) * 10**8)
