"""A withdrawal desk per test: moto running the real state machine, real PostgreSQL, funded users."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws
from withdrawals import api as withdrawals_api

from castle.adapters.postgres.ledger_store import PostgresLedger, get_ledger
from castle.adapters.postgres.wallet_store import PostgresWalletStore
from castle.adapters.wallets_wiring import clear_caches, get_custody, get_wallet_store
from castle.custody.simulated import AddressScript
from castle.domain.money import to_minor
from castle.wallets.deposit_addresses import derive_deposit_address
from castle.wallets.networks import network_for
from castle.wallets.records import WalletProfile, Withdrawal
from castle.wallets.withdrawal import WithdrawalStatus
from tests.support.cognito import cognito_event
from tests.support.conservation import assert_conserved
from tests.support.lambda_context import FakeLambdaContext
from tests.support.stepfunctions import MOTO_CONFIG, local_state_machine, wait_for_execution


def external_address(asset: str = "BTC", network: str = "BTC") -> str:
    """A fresh, valid address outside Castle (derived under a key Castle does not use)."""
    return derive_deposit_address(b"somebody-else's-wallet", str(uuid.uuid4()), network_for(asset, network))


@dataclass
class WithdrawalDesk:
    database_url: str
    state_machine_arn: str
    store: PostgresWalletStore
    ledger: PostgresLedger

    def funded_user(
        self, asset: str = "BTC", amount: str = "3", kyc_tier: int = 1, flagged: bool = False
    ) -> str:
        user_id = f"user-{uuid.uuid4()}"
        self.ledger.ensure_account(user_id)
        self.ledger.credit_deposit(f"fund-{uuid.uuid4()}", user_id, asset, to_minor(amount))
        self.store.save_profile(WalletProfile(user_id, kyc_tier=kyc_tier, risk_flagged=flagged))
        return user_id

    def known_address(self, user_id: str, asset: str = "BTC", network: str = "BTC", **script: Any) -> str:
        """An address on the user's allow-list; `script` makes the simulated chain misbehave for it."""
        address = external_address(asset, network)
        self.store.add_allowed_address(user_id, asset, network, address)
        if script:
            get_custody().script(address, AddressScript(**script))
        return address

    def request(
        self,
        user_id: str,
        address: str,
        amount: str,
        asset: str = "BTC",
        key: str | None = None,
        totp_code: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"asset": asset, "address": address, "amount": amount}
        if totp_code:
            body["totpCode"] = totp_code
        event = cognito_event("POST", "/v1/withdrawals", user_id, body)
        event["headers"]["Idempotency-Key"] = key or str(uuid.uuid4())
        response: dict[str, Any] = withdrawals_api.handler(event, FakeLambdaContext())
        return response

    def call(
        self, method: str, path: str, user_id: str, body: Any = None, admin: bool = False
    ) -> dict[str, Any]:
        event = cognito_event(method, path, user_id, body)
        if admin:
            event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = "admin"
        response: dict[str, Any] = withdrawals_api.handler(event, FakeLambdaContext())
        return response

    def execution_arn(self, withdrawal_id: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + withdrawal_id

    def finish(self, withdrawal_id: str) -> Withdrawal:
        """Wait for the execution to end; returns the withdrawal as recorded."""
        described = wait_for_execution(boto3.client("stepfunctions"), self.execution_arn(withdrawal_id))
        assert described["status"] != "RUNNING", f"execution of {withdrawal_id} did not finish"
        withdrawal = self.store.get(withdrawal_id, with_history=True)
        assert withdrawal is not None
        return withdrawal

    def wait_for_status(self, withdrawal_id: str, status: WithdrawalStatus, timeout_s: float = 10.0) -> None:
        import time

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            current = self.store.get(withdrawal_id)
            if current is not None and current.status == status:
                return
            time.sleep(0.02)
        raise AssertionError(f"{withdrawal_id} never reached {status}")

    def balance(self, user_id: str, asset: str = "BTC") -> tuple[Decimal, Decimal]:
        for balance in self.ledger.balances(user_id):
            if balance.asset == asset:
                return Decimal(balance.free_minor) / 10**8, Decimal(balance.locked_minor) / 10**8
        raise AssertionError(f"no {asset} balance")

    def assert_no_hold_left(self, user_id: str, asset: str = "BTC") -> None:
        assert self.balance(user_id, asset)[1] == 0
        assert_conserved(self.database_url)


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(response["body"])
    return parsed


@pytest.fixture
def desk(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[WithdrawalDesk]:
    monkeypatch.setenv("CASTLE_CONFIRMATION_WAIT_S", "0")
    monkeypatch.setenv("CASTLE_MAX_CONFIRMATION_POLLS", "4")
    monkeypatch.setenv("CASTLE_APPROVAL_TIMEOUT_S", "30")
    clear_caches()
    with mock_aws(config=MOTO_CONFIG), local_state_machine("WithdrawalStateMachine", "withdrawal") as arn:
        monkeypatch.setenv("CASTLE_WITHDRAWAL_STATE_MACHINE_ARN", arn)
        clear_caches()
        yield WithdrawalDesk(database_url, arn, get_wallet_store(), get_ledger())
    clear_caches()
