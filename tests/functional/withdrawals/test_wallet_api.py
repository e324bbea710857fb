"""Wallet endpoints: deposit addresses, the simulated chain watcher, deposits, balances, 2FA."""

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

from wallets import api as wallets_api

from castle.wallets import totp
from castle.wallets.withdrawal import WithdrawalStatus
from tests.functional.withdrawals.conftest import WithdrawalDesk, body_of, external_address
from tests.support.cognito import cognito_event
from tests.support.conservation import assert_conserved
from tests.support.lambda_context import FakeLambdaContext


def call(
    method: str,
    path: str,
    user_id: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    admin: bool = False,
) -> dict[str, Any]:
    event = cognito_event(method, path, user_id, body)
    if query:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    if admin:
        event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = "[admin]"
    response: dict[str, Any] = wallets_api.handler(event, FakeLambdaContext())
    return response


def test_a_user_gets_the_same_deposit_address_every_time_and_others_get_different_ones(
    desk: WithdrawalDesk,
) -> None:
    alice, bob = f"alice-{uuid.uuid4()}", f"bob-{uuid.uuid4()}"

    first = body_of(call("GET", "/v1/deposit-address", alice, query={"asset": "BTC"}))
    again = body_of(call("GET", "/v1/deposit-address", alice, query={"asset": "BTC"}))
    other = body_of(call("GET", "/v1/deposit-address", bob, query={"asset": "BTC"}))
    tron = body_of(call("GET", "/v1/deposit-address", alice, query={"asset": "USDT", "network": "TRX"}))

    assert first == again and first["address"].startswith("bc1q")
    assert other["address"] != first["address"]
    assert tron["address"].startswith("T")


def test_a_deposit_is_credited_once_it_has_its_confirmations(desk: WithdrawalDesk) -> None:
    user = f"user-{uuid.uuid4()}"
    desk.ledger.ensure_account(user)
    address = body_of(call("GET", "/v1/deposit-address", user, query={"asset": "BTC"}))["address"]
    seen = {"network": "BTC", "address": address, "txId": f"tx-{uuid.uuid4()}", "amount": "0.75"}

    pending = body_of(call("POST", "/v1/admin/deposits", "watcher", seen | {"confirmations": 1}, admin=True))
    balances_while_pending = body_of(call("GET", "/v1/wallet", user))["balances"]
    credited = body_of(call("POST", "/v1/admin/deposits", "watcher", seen | {"confirmations": 2}, admin=True))
    replayed = body_of(call("POST", "/v1/admin/deposits", "watcher", seen | {"confirmations": 3}, admin=True))

    assert (pending["status"], credited["status"], replayed["status"]) == ("PENDING", "CREDITED", "CREDITED")
    assert {"asset": "BTC", "free": "0.00000000", "locked": "0.00000000"} in balances_while_pending
    assert {"asset": "BTC", "free": "0.75000000", "locked": "0.00000000"} in body_of(
        call("GET", "/v1/wallet", user)
    )["balances"]
    deposits = body_of(call("GET", "/v1/deposits", user))["deposits"]
    assert [(d["txId"], d["amount"], d["status"]) for d in deposits] == [
        (seen["txId"], "0.75000000", "CREDITED")
    ]
    assert_conserved(desk.database_url)


def test_only_administrators_report_deposits(desk: WithdrawalDesk) -> None:
    user = f"user-{uuid.uuid4()}"
    address = body_of(call("GET", "/v1/deposit-address", user, query={"asset": "BTC"}))["address"]
    seen = {
        "network": "BTC",
        "address": address,
        "txId": f"tx-{uuid.uuid4()}",
        "amount": "1",
        "confirmations": 9,
    }

    assert call("POST", "/v1/admin/deposits", user, seen)["statusCode"] == 403
    assert_conserved(desk.database_url)


def test_a_deposit_to_an_address_nobody_owns_is_not_found(desk: WithdrawalDesk) -> None:
    seen = {
        "network": "BTC",
        "address": external_address(),
        "txId": "tx-nobody-000",
        "amount": "1",
        "confirmations": 9,
    }

    assert call("POST", "/v1/admin/deposits", "watcher", seen, admin=True)["statusCode"] == 404
    assert_conserved(desk.database_url)


def test_a_withdrawal_to_a_new_address_with_a_valid_2fa_code_completes_and_allow_lists_it(
    desk: WithdrawalDesk,
) -> None:
    user = desk.funded_user()
    enrolment = call("POST", "/v1/wallet/2fa", user)
    secret = parse_qs(urlparse(body_of(enrolment)["otpauthUri"]).query)["secret"][0]
    address = external_address()

    response = desk.request(user, address, "0.1", totp_code=totp.totp(secret, int(time.time())))
    withdrawal = desk.finish(body_of(response)["id"])

    assert enrolment["statusCode"] == 201
    assert withdrawal.status == WithdrawalStatus.COMPLETED
    assert ("BTC", "BTC", address) in desk.store.allowed_addresses(user)
    desk.assert_no_hold_left(user)


def test_a_wrong_or_reused_2fa_code_is_refused_before_anything_starts(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()
    secret = parse_qs(urlparse(body_of(call("POST", "/v1/wallet/2fa", user))["otpauthUri"]).query)["secret"][
        0
    ]
    code = totp.totp(secret, int(time.time()))
    wrong = "000000" if code != "000000" else "111111"

    refused = desk.request(user, external_address(), "0.1", totp_code=wrong)
    accepted = desk.request(user, external_address(), "0.1", totp_code=code)
    replayed = desk.request(user, external_address(), "0.1", totp_code=code)
    desk.finish(body_of(accepted)["id"])

    assert (refused["statusCode"], accepted["statusCode"], replayed["statusCode"]) == (401, 202, 401)
    assert len(desk.store.list_for_user(user)) == 1
    desk.assert_no_hold_left(user)


def test_an_invalid_address_is_refused_synchronously(desk: WithdrawalDesk) -> None:
    user = desk.funded_user()

    response = desk.request(user, "0x52908400098527886E0F7030069857D2E4169EE7", "0.1")

    assert response["statusCode"] == 400 and body_of(response)["code"] == -4002
    assert desk.store.list_for_user(user) == []
    assert_conserved(desk.database_url)
