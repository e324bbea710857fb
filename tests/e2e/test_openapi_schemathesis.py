"""Bad input against the whole REST surface: schemathesis reads GET /openapi.json from `castle up`,
generates requests for every documented operation (valid and invalid parameters) and checks each
answer: never a 5xx, a documented status code, a documented content type and a body that matches the
documented schema (Binance's {"code", "msg"} for errors).

The calls carry a real trader's credentials, so they get past authentication: a Cognito ID token for
the /v1 routes, and for the signed /api/v3 routes the trader's API key with a fresh `timestamp` and a
correct `signature` over whatever parameters were generated, so the handlers' own validation answers.
"""

import os
import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, checks

from castle.openapi import openapi_document
from tests.e2e.conftest import RunningStack
from tests.e2e.traders import ACCOUNT_TIMEOUT_S, PASSWORD, Trader, new_trader, signed
from tests.support.binance_client import hmac_hex
from tests.support.conservation import assert_conserved

FUNDS = {"BTC": Decimal(1), "USDT": Decimal(10_000)}
# Every parameter is documented as a plain string (Binance's own docs type them no further), so a
# schema-valid request is mostly a business-invalid one (unknown symbol, bad quantity): a 400 is the
# right answer, not a failure. Undeclared methods: API Gateway answers them itself (403 "Missing
# Authentication Token" on AWS, 405 locally), no function of ours is involved.
NOT_APPLICABLE = [checks.positive_data_acceptance, checks.unsupported_method]
EXAMPLES = int(os.environ.get("CASTLE_SCHEMATHESIS_EXAMPLES", "10"))


@pytest.fixture(scope="module")
def fuzz_trader(local_stack: RunningStack) -> Trader:
    return new_trader(local_stack, FUNDS, label="schemathesis")


@pytest.fixture(scope="module")
def credentials(local_stack: RunningStack, fuzz_trader: Trader) -> dict[str, str]:
    """The headers of every call: the trader's Cognito ID token and API key."""
    login = httpx.post(
        f"{local_stack.url}/v1/auth/login",
        json={"username": fuzz_trader.email, "password": PASSWORD},
        timeout=ACCOUNT_TIMEOUT_S,
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['idToken']}", "X-MBX-APIKEY": fuzz_trader.api_key}


# The document the stack serves is this one (checked below); loaded here so pytest can collect one
# test per operation before the stack is up.
api = schemathesis.openapi.from_dict(openapi_document())
# Unknown query parameters are ignored, as Binance does: not generated as "invalid" input.
api.config.generation.update(allow_extra_parameters=False)


def test_the_stack_serves_the_document_under_test(local_stack: RunningStack) -> None:
    served = httpx.get(f"{local_stack.url}/openapi.json", timeout=ACCOUNT_TIMEOUT_S)
    assert served.status_code == 200
    assert served.json() == openapi_document()


def sign(case: Case[Any], trader: Trader) -> None:
    """A signed operation gets a current timestamp and the signature of the generated parameters, in
    the order and encoding the request will carry them (requests' urlencode of the query dict)."""
    if {"BinanceApiKey": []} not in (case.operation.definition.raw.get("security") or []):
        return
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return  # an invalid request stays invalid: signing it could repair what was left out on purpose
    query: dict[str, Any] = {
        k: v for k, v in (case.query or {}).items() if k not in ("signature", "timestamp")
    }
    query["timestamp"] = str(time.time_ns() // 1_000_000)
    query["signature"] = hmac_hex(trader.secret, urlencode(query, doseq=True))
    case.query = query
    case.headers["X-MBX-APIKEY"] = trader.api_key  # not a generated one


@api.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_documented_operation_answers_any_input_without_5xx_and_as_documented(
    case: Case[Any], local_stack: RunningStack, fuzz_trader: Trader, credentials: dict[str, str]
) -> None:
    sign(case, fuzz_trader)
    case.call_and_validate(
        base_url=local_stack.url,
        headers=credentials,
        timeout=ACCOUNT_TIMEOUT_S,
        excluded_checks=NOT_APPLICABLE,
    )


def test_a_json_body_that_is_not_utf8_is_refused_by_the_function_not_the_gateway(
    local_stack: RunningStack, credentials: dict[str, str]
) -> None:
    answer = httpx.post(
        f"{local_stack.url}/v1/api-keys",
        content=b"\xff\xfe{",
        headers={**credentials, "Content-Type": "application/json"},
        timeout=ACCOUNT_TIMEOUT_S,
    )
    assert answer.status_code == 400, answer.text
    assert {"code", "msg"} <= set(answer.json())


def test_a_path_parameter_holding_a_newline_reaches_the_function(
    local_stack: RunningStack, credentials: dict[str, str]
) -> None:
    answer = httpx.get(
        f"{local_stack.url}/v1/withdrawals/a%0Ab", headers=credentials, timeout=ACCOUNT_TIMEOUT_S
    )
    assert answer.status_code == 404, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert {"code", "msg"} <= set(answer.json())


def test_a_signed_query_with_percent_encoded_characters_verifies(
    local_stack: RunningStack, fuzz_trader: Trader
) -> None:
    with httpx.Client(base_url=local_stack.url, timeout=ACCOUNT_TIMEOUT_S) as http:
        answer = signed(
            http,
            fuzz_trader,
            "GET",
            "/api/v3/order",
            {"symbol": "BTCUSDT", "origClientOrderId": "no:such/id"},
        )
    assert answer.status_code == 400 and answer.json()["code"] == -2013, answer.text


def test_the_fuzzed_requests_left_the_ledger_conserved(local_stack: RunningStack) -> None:
    assert_conserved(local_stack.database_url)
