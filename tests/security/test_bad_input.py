"""Bad input never breaks the API: hostile order parameters (huge, negative, NaN, Infinity, exponents,
too many decimals, unicode, empty, duplicated, unknown) against the signed POST /api/v3/order and
hostile queries against the public market endpoints. Never a 5xx, always a Binance-shaped
{"code", "msg"} 4xx, and a refused order writes nothing: no order row, no hold, no engine command.

schemathesis against /openapi.json needs the local gateway, so it runs with the e2e suite over
`castle up`: tests/e2e/test_openapi_schemathesis.py.
"""

import os
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.exchange import Answer, Exchange, invoke, market_handler
from tests.support.binance_client import BinanceSigner, gateway_event
from tests.support.conservation import assert_conserved

FUZZ = settings(
    max_examples=int(os.environ.get("CASTLE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_NUMBERS = [
    "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e3", "1E-8", "1e999999", "-1", "-0",
    "0", "0.0", "00000.01", "9" * 40, "1" + "0" * 30, "0." + "0" * 7 + "1", "0." + "0" * 8 + "1",
    "0.123456789", "1_000", "1,5", " 1", "1 ", "+1", "0x10", "١٢٣", "１", "", " ", "\x00", "1\n",
    "50000.00", "0.0100", "1.", ".5", "--1", "1e", "e1", "½", "∞", "💰", "null", "None", "true",
]  # fmt: skip
ORDER_NAMES = ["symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price", "stopPrice",
               "newClientOrderId", "newOrderRespType", "selfTradePreventionMode", "icebergQty",
               "trailingDelta", "strategyId", "strategyType", "recvWindow"]  # fmt: skip
VALID_ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
               "quantity": "0.0100", "price": "50000.00", "newOrderRespType": "ACK"}  # fmt: skip

HOSTILE_WORDS = ["BTCUSDT", "btcusdt", "ETHBTC", "BTC", "ＢＴＣＵＳＤＴ", "BTCUSDT\x00", "BUY", "SELL", "buy",
                 "LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "GTC", "IOC", "FOK", "GTD", "FULL",
                 "RESULT", "EXPIRE_MAKER", "x" * 37, "x" * 10_000]  # fmt: skip
MARKET_WORDS = ['["BTCUSDT","ETHUSDT"]', '["BTCUSDT"', "[]", '[""]', '["' + "A" * 5000 + '"]', "1m", "1M",
                "0m", "99y", "5000", "5001", "-5", "+08:00", "-13:00", "SPOT"]  # fmt: skip

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)
values = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    text,
    st.sampled_from(HOSTILE_WORDS),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
names = st.one_of(st.sampled_from(ORDER_NAMES), text)


@st.composite
def order_params(draw: st.DrawFn) -> list[tuple[str, str]]:
    """A valid order with some parameters replaced, dropped, duplicated or added."""
    params = dict(VALID_ORDER)
    for name in draw(st.lists(st.sampled_from(ORDER_NAMES), max_size=4, unique=True)):
        params[name] = draw(values)
    for name in draw(st.lists(st.sampled_from(list(VALID_ORDER)), max_size=2, unique=True)):
        params.pop(name, None)
    pairs = list(params.items())
    pairs += draw(st.lists(st.tuples(names, values), max_size=2))
    duplicate: bool = draw(st.booleans())
    if pairs and duplicate:
        index: int = draw(st.integers(min_value=0, max_value=len(pairs) - 1))
        pairs.append((pairs[index][0], draw(values)))  # the same name twice
    return pairs


def assert_binance_error_or_success(answer: Answer) -> None:
    assert answer.status < 500, (answer.status, answer.body)
    if answer.status >= 400:
        assert isinstance(answer.body, dict) and {"code", "msg"} <= set(answer.body), answer.body
        assert isinstance(answer.body["code"], int) and answer.body["code"] < 0, answer.body
        assert isinstance(answer.body["msg"], str) and answer.body["msg"], answer.body


@pytest.fixture(scope="module")
def trader(exchange: Exchange) -> tuple[str, BinanceSigner]:
    user = exchange.user("fuzz", USDT="100000", BTC="10")
    return user, exchange.api_key(user)


def writes_of(exchange: Exchange, user: str) -> Any:
    with psycopg.connect(exchange.database_url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM orders WHERE user_id = %s),"
            " (SELECT coalesce(sum(held), 0) FROM balances WHERE account_id = %s)",
            (user, f"user:{user}"),
        ).fetchone()


@FUZZ
@given(params=order_params(), where=st.sampled_from(["body", "query"]))
def test_any_new_order_parameters_get_a_binance_answer_and_a_refusal_writes_nothing(
    exchange: Exchange, trader: tuple[str, BinanceSigner], params: list[tuple[str, str]], where: str
) -> None:
    user, key = trader
    before = writes_of(exchange, user)
    answer = exchange.signed(key, "POST", "/api/v3/order", params, where=where)
    assert_binance_error_or_success(answer)
    commands = exchange.commands()
    if answer.status != 200:
        assert writes_of(exchange, user) == before
        assert commands == []


@FUZZ
@given(params=order_params())
def test_any_test_order_parameters_get_a_binance_answer_and_write_nothing(
    exchange: Exchange, trader: tuple[str, BinanceSigner], params: list[tuple[str, str]]
) -> None:
    user, key = trader
    before = writes_of(exchange, user)
    assert_binance_error_or_success(exchange.signed(key, "POST", "/api/v3/order/test", params))
    assert writes_of(exchange, user) == before
    assert exchange.commands() == []


def test_the_fuzzed_orders_left_the_ledger_conserved(exchange: Exchange) -> None:
    assert_conserved(exchange.database_url)


MARKET_PATHS = ["/api/v3/exchangeInfo", "/api/v3/depth", "/api/v3/trades", "/api/v3/historicalTrades",
                "/api/v3/aggTrades", "/api/v3/klines", "/api/v3/uiKlines", "/api/v3/ticker/24hr",
                "/api/v3/ticker/price", "/api/v3/ticker/bookTicker", "/api/v3/avgPrice"]  # fmt: skip
MARKET_NAMES = ["symbol", "symbols", "limit", "interval", "startTime", "endTime", "fromId", "timeZone",
                "type", "windowSize", "permissions", "symbolStatus", "showPermissionSets"]  # fmt: skip
market_values = st.one_of(values, st.sampled_from(MARKET_WORDS))


@FUZZ
@given(
    path=st.sampled_from(MARKET_PATHS),
    query=st.lists(st.tuples(st.one_of(st.sampled_from(MARKET_NAMES), text), market_values), max_size=5),
)
def test_any_public_market_query_gets_a_binance_answer(
    exchange: Exchange, path: str, query: list[tuple[str, str]]
) -> None:
    answer = invoke(market_handler(), gateway_event("GET", path, query=urlencode(query)))
    assert_binance_error_or_success(answer)
