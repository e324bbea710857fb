"""Traders for the e2e tests: a Cognito user of the running stack, funded through the ledger's
deposit path, with an API key from /v1/api-keys; signed /api/v3 requests over HTTP; polling with a
deadline (never a sleep)."""

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import jwt
from psycopg_pool import ConnectionPool

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.domain.markets import market
from castle.domain.money import MINOR_UNITS_PER_UNIT
from tests.e2e.conftest import RunningStack
from tests.support.binance_client import BinanceSigner

PASSWORD = "Castle-e2e-pass-1"
DEADLINE_S = 20.0
# The first sign-up of a session meets cold functions (PostConfirmation, API keys) on a busy machine.
ACCOUNT_TIMEOUT_S = 30.0
_T = TypeVar("_T")


@dataclass(frozen=True)
class Trader:
    email: str
    user_id: str
    api_key: str
    secret: str

    @property
    def signer(self) -> BinanceSigner:
        return BinanceSigner(self.api_key, self.secret)


def deposit(stack: RunningStack, user_id: str, funds: Mapping[str, Decimal]) -> None:
    """Credit confirmed deposits, as the chain watcher does (idempotent by tx id)."""
    with ConnectionPool(stack.database_url, min_size=1, max_size=1, kwargs={"autocommit": False}) as pool:
        ledger = PostgresLedger(pool)
        for asset, amount in funds.items():
            minor = int(amount * MINOR_UNITS_PER_UNIT)
            ledger.credit_deposit(f"e2e-{user_id}-{asset}-{uuid.uuid4().hex}", user_id, asset, minor)


def new_trader(stack: RunningStack, funds: Mapping[str, Decimal], label: str = "e2e") -> Trader:
    email = f"{label}-{uuid.uuid4().hex[:10]}@castle.local"
    tokens = httpx.post(
        f"{stack.url}/v1/auth/signup",
        json={"username": email, "password": PASSWORD},
        timeout=ACCOUNT_TIMEOUT_S,
    )
    assert tokens.status_code == 200, tokens.text
    id_token = tokens.json()["idToken"]
    user_id = str(jwt.decode(id_token, options={"verify_signature": False})["sub"])
    deposit(stack, user_id, funds)
    key = httpx.post(
        f"{stack.url}/v1/api-keys",
        json={"label": label, "permissions": ["read", "trade"]},
        headers={"Authorization": id_token},
        timeout=ACCOUNT_TIMEOUT_S,
    )
    assert key.status_code in (200, 201), key.text
    return Trader(email, user_id, key.json()["apiKey"], key.json()["secretKey"])


def signed(
    http: httpx.Client, trader: Trader, method: str, path: str, params: Mapping[str, str] | None = None
) -> httpx.Response:
    """The request BinanceSigner describes, sent over HTTP: GET parameters in the query string,
    POST/DELETE in a form body, signature last, key in X-MBX-APIKEY."""
    event = trader.signer.event(method, path, params or {})
    multi: Mapping[str, list[str]] = event["multiValueQueryStringParameters"] or {}
    query = urlencode([(name, value) for name, values in multi.items() for value in values])
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "host"}
    return http.request(method, f"{path}?{query}" if query else path, content=event["body"], headers=headers)


def poll(
    read: Callable[[], _T], until: Callable[[_T], bool], what: str, deadline_s: float = DEADLINE_S
) -> _T:
    """Read until the condition holds or the deadline passes (then fail with the last value)."""
    deadline = time.monotonic() + deadline_s
    value = read()
    while not until(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {deadline_s}s; last value: {value!r}")
        time.sleep(0.05)
        value = read()
    return value


def price_inside_spread(stack: RunningStack, symbol: str, fallback: Decimal) -> Decimal:
    """A price strictly between the book's best bid and best ask (other tests leave orders resting),
    so that our two traders meet each other and nobody else."""
    book: dict[str, Any] = httpx.get(
        f"{stack.url}/api/v3/depth", params={"symbol": symbol}, timeout=ACCOUNT_TIMEOUT_S
    ).json()
    bid = Decimal(book["bids"][0][0]) if book["bids"] else None
    ask = Decimal(book["asks"][0][0]) if book["asks"] else None
    tick = market(symbol).tick_size
    if bid is None and ask is None:
        return fallback
    if bid is None:
        assert ask is not None
        price = min(fallback, ask - 100 * tick)
    elif ask is None:
        price = max(fallback, bid + 100 * tick)
    else:
        price = ((bid + ask) / 2 / tick).to_integral_value(ROUND_DOWN) * tick
    if bid is not None:
        assert price > bid, f"no room in the spread of {symbol}: {book}"
    if ask is not None:
        assert price < ask, f"no room in the spread of {symbol}: {book}"
    return price


def balances(http: httpx.Client, trader: Trader) -> dict[str, tuple[Decimal, Decimal]]:
    """asset -> (free, locked) from GET /api/v3/account."""
    answer = signed(http, trader, "GET", "/api/v3/account")
    assert answer.status_code == 200, answer.text
    return {b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in answer.json()["balances"]}


def fee(notional: Decimal, symbol: str) -> Decimal:
    """Castle's fee per fill, in the quote asset: floor(notional * fee_bps / 10000) in minor units."""
    bps = market(symbol).taker_fee_bps
    minor = int(notional * MINOR_UNITS_PER_UNIT) * bps // 10_000
    return Decimal(minor) / MINOR_UNITS_PER_UNIT
