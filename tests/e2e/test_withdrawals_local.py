"""Issue 7, done when: a withdrawal can be requested, approved and completed through the local stack.

Everything a user does goes over HTTP to `castle up`'s gateway: sign up, get a deposit address, enrol
2FA, request a withdrawal with a TOTP code, follow it on /v1/withdrawals/{id}. The deposit is credited
by an administrator (POST /v1/admin/deposits, the simulated chain watcher); making that user an
administrator is the one operator step, done in the stack's Cognito (moto) as an operator would in the
console. The workflow is the template's state machine run by moto's Step Functions, its Lambda tasks our
handlers. Each test ends with the ledger's conservation check on the stack's database.
"""

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest

from castle.wallets import totp
from tests.e2e.conftest import RunningStack
from tests.e2e.traders import ACCOUNT_TIMEOUT_S, PASSWORD, poll
from tests.support.conservation import assert_conserved

ADMIN_GROUP = "admin"
DEPOSIT = Decimal("2")
BTC_FEE = Decimal("0.0002")  # the BTC network's withdrawal fee (castle.wallets.networks)
SMALL = Decimal("0.25")
LARGE = Decimal("1.5")  # above BTC's approval threshold of 1 BTC, within tier 1's 2 BTC a day
# Two confirmation polls 1 s apart (CASTLE_CONFIRMATION_WAIT_S of the local stack) on a busy machine.
WORKFLOW_DEADLINE_S = 30.0
TERMINAL = ("COMPLETED", "FAILED")


@dataclass(frozen=True)
class User:
    email: str
    user_id: str
    id_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": self.id_token}


def sign_up(http: httpx.Client, label: str) -> User:
    email = f"{label}-{uuid.uuid4().hex[:10]}@castle.local"
    answer = http.post("/v1/auth/signup", json={"username": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    id_token = answer.json()["idToken"]
    return User(email, str(jwt.decode(id_token, options={"verify_signature": False})["sub"]), id_token)


def log_in(http: httpx.Client, email: str) -> str:
    answer = http.post("/v1/auth/login", json={"username": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["idToken"])


@pytest.fixture(scope="module")
def http(local_stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_stack.url, timeout=ACCOUNT_TIMEOUT_S) as client:
        yield client


@pytest.fixture(scope="module")
def admin(local_stack: RunningStack, http: httpx.Client) -> User:
    """A user the operator put in the user pool's "admin" group (new tokens carry cognito:groups)."""
    user = sign_up(http, "withdrawal-admin")
    pool_id = http.get("/v1/auth/config").json()["userPoolId"]
    cognito = local_stack.client("cognito-idp")
    groups = cognito.list_groups(UserPoolId=pool_id)["Groups"]
    if not any(group["GroupName"] == ADMIN_GROUP for group in groups):
        cognito.create_group(UserPoolId=pool_id, GroupName=ADMIN_GROUP)
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user.email, GroupName=ADMIN_GROUP)
    return User(user.email, user.user_id, log_in(http, user.email))


def funded_user(http: httpx.Client, admin: User, label: str) -> User:
    """A new user whose BTC deposit address received DEPOSIT, seen by the chain watcher at depth."""
    user = sign_up(http, label)
    address = http.get("/v1/deposit-address", params={"asset": "BTC"}, headers=user.auth)
    assert address.status_code == 200, address.text
    seen = {
        "network": "BTC",
        "address": address.json()["address"],
        "txId": uuid.uuid4().hex,
        "amount": str(DEPOSIT),
        "confirmations": 6,
    }
    credited = http.post("/v1/admin/deposits", json=seen, headers=admin.auth)
    assert credited.status_code == 200, credited.text
    assert btc_balance(http, user) == (DEPOSIT, Decimal(0))
    return user


def enrol_two_factor(http: httpx.Client, user: User) -> str:
    """The TOTP secret from the otpauth:// URI, as an authenticator app reads it."""
    answer = http.post("/v1/wallet/2fa", headers=user.auth)
    assert answer.status_code == 201, answer.text
    return parse_qs(urlparse(str(answer.json()["otpauthUri"])).query)["secret"][0]


def btc_balance(http: httpx.Client, user: User) -> tuple[Decimal, Decimal]:
    """(free, locked) BTC from GET /v1/balances."""
    answer = http.get("/v1/balances", headers=user.auth)
    assert answer.status_code == 200, answer.text
    for balance in answer.json()["balances"]:
        if balance["asset"] == "BTC":
            return Decimal(balance["free"]), Decimal(balance["locked"])
    return Decimal(0), Decimal(0)


def request_withdrawal(
    http: httpx.Client, user: User, address: str, amount: Decimal, secret: str | None
) -> dict[str, Any]:
    body = {"asset": "BTC", "address": address, "amount": str(amount)}
    if secret is not None:
        body["totpCode"] = totp.totp(secret, int(time.time()))
    answer = http.post(
        "/v1/withdrawals", json=body, headers={**user.auth, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert answer.status_code == 202, answer.text
    created: dict[str, Any] = answer.json()
    assert created["fee"] == f"{BTC_FEE:.8f}"
    return created


def read_withdrawal(http: httpx.Client, user: User, withdrawal_id: str) -> dict[str, Any]:
    answer = http.get(f"/v1/withdrawals/{withdrawal_id}", headers=user.auth)
    assert answer.status_code == 200, answer.text
    withdrawal: dict[str, Any] = answer.json()
    return withdrawal


def wait_for(http: httpx.Client, user: User, withdrawal_id: str, *statuses: str) -> dict[str, Any]:
    """Until the withdrawal is in one of `statuses`; a terminal one only once the workflow told the
    user (its last step, after the status changed)."""

    def reached(w: dict[str, Any]) -> bool:
        if w["status"] not in statuses:
            return False
        return w["status"] not in TERMINAL or w["history"][-1]["step"] == "notify"

    return poll(
        lambda: read_withdrawal(http, user, withdrawal_id),
        reached,
        f"withdrawal {withdrawal_id} {'/'.join(statuses)}",
        WORKFLOW_DEADLINE_S,
    )


def steps_of(withdrawal: dict[str, Any]) -> list[str]:
    """The history's steps in order, a repeated step (confirmation polls) once."""
    steps: list[str] = []
    for event in withdrawal["history"]:
        if not steps or steps[-1] != event["step"]:
            steps.append(event["step"])
    return steps


def test_withdrawal_to_a_new_address_with_a_totp_code_completes_debiting_amount_plus_fee(
    local_stack: RunningStack, http: httpx.Client, admin: User
) -> None:
    user = funded_user(http, admin, "withdraw-small")
    secret = enrol_two_factor(http, user)

    created = request_withdrawal(http, user, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", SMALL, secret)
    done = wait_for(http, user, created["id"], *TERMINAL)

    assert (done["status"], done["failureReason"]) == ("COMPLETED", None)
    assert done["requiresApproval"] is False
    assert done["txId"] and done["confirmations"] >= 2
    assert steps_of(done) == [
        "request",
        "validate",
        "check_limits",
        "place_hold",
        "sign_broadcast",
        "check_confirmations",
        "settle",
        "notify",
    ]
    assert btc_balance(http, user) == (DEPOSIT - SMALL - BTC_FEE, Decimal(0))
    assert_conserved(local_stack.database_url)


def test_withdrawal_to_a_new_address_without_a_totp_code_fails_before_any_hold(
    local_stack: RunningStack, http: httpx.Client, admin: User
) -> None:
    user = funded_user(http, admin, "withdraw-no-2fa")

    created = request_withdrawal(http, user, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", SMALL, secret=None)
    failed = wait_for(http, user, created["id"], *TERMINAL)

    assert (failed["status"], failed["failureReason"]) == ("FAILED", "TWO_FACTOR_REQUIRED")
    assert "place_hold" not in steps_of(failed)
    assert btc_balance(http, user) == (DEPOSIT, Decimal(0))
    assert_conserved(local_stack.database_url)


def test_withdrawal_above_the_approval_threshold_waits_for_an_administrator_and_completes_once_approved(
    local_stack: RunningStack, http: httpx.Client, admin: User
) -> None:
    user = funded_user(http, admin, "withdraw-large")
    secret = enrol_two_factor(http, user)

    created = request_withdrawal(http, user, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", LARGE, secret)
    waiting = wait_for(http, user, created["id"], "AWAITING_APPROVAL", *TERMINAL)
    assert (waiting["status"], waiting["requiresApproval"]) == ("AWAITING_APPROVAL", True)
    assert btc_balance(http, user) == (DEPOSIT - LARGE - BTC_FEE, LARGE + BTC_FEE)

    refused = http.post(f"/v1/admin/withdrawals/{created['id']}/approve", headers=user.auth)
    assert refused.status_code == 403, refused.text
    approved = http.post(f"/v1/admin/withdrawals/{created['id']}/approve", headers=admin.auth)
    assert approved.status_code == 200, approved.text
    done = wait_for(http, user, created["id"], *TERMINAL)

    assert (done["status"], done["failureReason"]) == ("COMPLETED", None)
    assert steps_of(done) == [
        "request",
        "validate",
        "check_limits",
        "place_hold",
        "request_approval",
        "approve",
        "sign_broadcast",
        "check_confirmations",
        "settle",
        "notify",
    ]
    assert btc_balance(http, user) == (DEPOSIT - LARGE - BTC_FEE, Decimal(0))
    assert_conserved(local_stack.database_url)


def test_withdrawal_rejected_by_an_administrator_fails_and_releases_its_hold(
    local_stack: RunningStack, http: httpx.Client, admin: User
) -> None:
    user = funded_user(http, admin, "withdraw-rejected")
    secret = enrol_two_factor(http, user)

    created = request_withdrawal(http, user, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", LARGE, secret)
    wait_for(http, user, created["id"], "AWAITING_APPROVAL", *TERMINAL)
    rejected = http.post(
        f"/v1/admin/withdrawals/{created['id']}/reject",
        json={"reason": "e2e: unknown beneficiary"},
        headers=admin.auth,
    )
    assert rejected.status_code == 200, rejected.text
    failed = wait_for(http, user, created["id"], *TERMINAL)

    assert (failed["status"], failed["failureReason"]) == ("FAILED", "REJECTED_BY_ADMIN")
    assert failed["txId"] is None
    assert steps_of(failed)[-3:] == ["reject", "compensate", "notify"]
    assert btc_balance(http, user) == (DEPOSIT, Decimal(0))
    assert_conserved(local_stack.database_url)
