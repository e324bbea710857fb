"""Binance SIGNED endpoint security: key, signature, timestamp window, IP allow-list, weights."""

import time

import pytest

from castle.settings import get_settings
from tests.functional.api.api_client import api_key_for, new_user, trade
from tests.functional.api.conftest import Stack
from tests.support.binance_client import BinanceSigner


def test_correctly_signed_account_request_is_answered_with_the_documented_shape(stack: Stack) -> None:
    answer = trade(api_key_for(new_user()), "GET", "/api/v3/account")
    assert answer.status == 200
    assert {"makerCommission", "commissionRates", "canTrade", "balances", "permissions", "uid"} <= set(
        answer.body
    )
    assert answer.body["commissionRates"]["maker"] == "0.00100000"


def test_bad_signature_is_1022_and_401(stack: Stack) -> None:
    answer = trade(api_key_for(new_user()), "GET", "/api/v3/account", signature="0" * 64)
    assert (answer.status, answer.body) == (
        401,
        {"code": -1022, "msg": "Signature for this request is not valid."},
    )


def test_request_signed_with_another_secret_is_refused(stack: Stack) -> None:
    key = api_key_for(new_user())
    forged = BinanceSigner(api_key=key.api_key, secret=api_key_for(new_user()).secret)
    assert trade(forged, "GET", "/api/v3/account").body["code"] == -1022


def test_unknown_api_key_is_2015_and_401(stack: Stack) -> None:
    answer = trade(BinanceSigner(api_key="A" * 64, secret="s" * 64), "GET", "/api/v3/account")
    assert (answer.status, answer.body["code"]) == (401, -2015)


def test_timestamp_outside_recv_window_is_1021(stack: Stack) -> None:
    stale = time.time_ns() // 1_000_000 - 10_000
    answer = trade(api_key_for(new_user()), "GET", "/api/v3/account", timestamp_ms=stale)
    assert (answer.status, answer.body["code"]) == (400, -1021)


def test_wider_recv_window_accepts_the_same_timestamp(stack: Stack) -> None:
    stale = time.time_ns() // 1_000_000 - 10_000
    answer = trade(api_key_for(new_user()), "GET", "/api/v3/account", timestamp_ms=stale, recv_window="20000")
    assert answer.status == 200


def test_recv_window_above_60000_is_refused(stack: Stack) -> None:
    answer = trade(api_key_for(new_user()), "GET", "/api/v3/account", recv_window="60001")
    assert (answer.status, answer.body["code"]) == (400, -1102)


def test_read_only_key_cannot_trade(stack: Stack) -> None:
    key = api_key_for(new_user(), permissions=("read",))
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
              "quantity": "0.0100", "price": "100.00"}  # fmt: skip
    answer = trade(key, "POST", "/api/v3/order", params)
    assert (answer.status, answer.body["code"]) == (401, -2015)


def test_key_with_ip_allowlist_refuses_other_addresses(stack: Stack) -> None:
    key = api_key_for(new_user(), ipAllowlist=["10.1.0.0/16"])
    key.source_ip = "192.0.2.7"
    assert trade(key, "GET", "/api/v3/account").body["code"] == -2015
    key.source_ip = "10.1.2.3"
    assert trade(key, "GET", "/api/v3/account").status == 200


def test_every_answer_carries_the_used_weight_header(stack: Stack) -> None:
    key = api_key_for(new_user())
    first = trade(key, "GET", "/api/v3/account")
    second = trade(key, "GET", "/api/v3/account", signature="0" * 64)
    assert int(second.headers["X-MBX-USED-WEIGHT-1M"]) == int(first.headers["X-MBX-USED-WEIGHT-1M"]) + 20


def test_weight_over_the_limit_is_429_with_retry_after(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASTLE_REQUEST_WEIGHT_PER_MINUTE", "30")
    get_settings.cache_clear()
    key = api_key_for(new_user())
    assert trade(key, "GET", "/api/v3/account").status == 200
    limited = trade(key, "GET", "/api/v3/account")
    assert (limited.status, limited.body["code"]) == (429, -1003)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
