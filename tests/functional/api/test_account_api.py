"""/v1 account API: the caller is only ever the Cognito `sub`; API keys are shown once."""

from castle.domain.money import to_minor
from tests.functional.api.api_client import account_call, api_key_for, new_user, trade
from tests.functional.api.conftest import Stack
from tests.support.binance_client import gateway_event
from tests.support.conservation import assert_conserved


def test_created_api_key_returns_its_secret_once_and_listing_never_shows_it(stack: Stack) -> None:
    user = new_user()
    created = account_call("POST", "/v1/api-keys", user, {"label": "bot", "permissions": ["read", "trade"]})
    listed = account_call("GET", "/v1/api-keys", user)
    assert created.status == 201 and len(created.body["secretKey"]) == 64
    assert [k["apiKey"] for k in listed.body["apiKeys"]] == [created.body["apiKey"]]
    assert "secretKey" not in listed.body["apiKeys"][0]


def test_secret_is_stored_encrypted_not_in_clear(stack: Stack) -> None:
    import psycopg

    user = new_user()
    created = account_call("POST", "/v1/api-keys", user, {"permissions": ["read"]})
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute(
            "SELECT secret_ciphertext FROM api_keys WHERE api_key = %s", (created.body["apiKey"],)
        ).fetchone()
    assert row is not None and created.body["secretKey"].encode() not in bytes(row[0])


def test_user_id_in_the_body_is_refused(stack: Stack) -> None:
    answer = account_call("POST", "/v1/api-keys", new_user(), {"permissions": ["read"], "userId": "victim"})
    assert answer.status == 400


def test_request_without_cognito_claims_is_401(stack: Stack) -> None:
    from account.api import handler

    from tests.functional.api.api_client import invoke

    assert invoke(handler, gateway_event("GET", "/v1/balances")).status == 401


def test_a_body_that_is_not_json_is_a_400_not_a_crash(stack: Stack) -> None:
    from account.api import handler

    from tests.functional.api.api_client import invoke
    from tests.support.cognito import cognito_event

    event = cognito_event("POST", "/v1/api-keys", new_user())
    event["body"] = "\ufffd{"
    answer = invoke(handler, event)
    assert answer.status == 400 and answer.body["code"] == -1100, answer.body


def test_user_cannot_revoke_another_users_key(stack: Stack) -> None:
    owner, other = new_user(), new_user()
    key = api_key_for(owner)
    refused = account_call("DELETE", f"/v1/api-keys/{key.api_key}", other)
    assert refused.status == 404
    assert trade(key, "GET", "/api/v3/account").status == 200


def test_revoked_key_can_no_longer_sign(stack: Stack) -> None:
    user = new_user()
    key = api_key_for(user)
    assert account_call("DELETE", f"/v1/api-keys/{key.api_key}", user).status == 200
    answer = trade(key, "GET", "/api/v3/account")
    assert (answer.status, answer.body["code"]) == (401, -2015)


def test_unknown_permission_is_refused(stack: Stack) -> None:
    assert account_call("POST", "/v1/api-keys", new_user(), {"permissions": ["admin"]}).status == 400


def test_balances_show_the_users_own_funds(stack: Stack) -> None:
    user = new_user()
    stack.ledger.credit_deposit(f"dep-{user}", user, "USDT", to_minor("1000"))
    balances = {b["asset"]: b for b in account_call("GET", "/v1/balances", user).body["balances"]}
    assert balances["USDT"] == {"asset": "USDT", "free": "1000.00000000", "locked": "0.00000000"}
    assert_conserved(stack.database_url)


def test_profile_and_positions_answer_for_the_caller(stack: Stack) -> None:
    user = new_user()
    profile = account_call("GET", "/v1/profile", user)
    positions = account_call("GET", "/v1/positions", user)
    assert profile.body["userId"] == user
    assert positions.status == 200 and positions.body == {"positions": []}
