"""Authorization matrix: every endpoint that touches user data, called by Alice with her own valid
credentials against Bob's resources, refuses or answers with Alice's data only; Bob's orders,
balances, keys and withdrawals are untouched. A new endpoint is one line in ENDPOINTS.

Then the credentials themselves: bad/forged/replayed/revoked/under-permitted, for every signed route
of the template, and missing Cognito claims for every Cognito route of the template.
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from castle.contracts.events import EngineEvent
from castle.wallets.deposit_addresses import derive_deposit_address
from castle.wallets.networks import network_for
from tests.security.exchange import Answer, Exchange, handler_for, invoke
from tests.support.binance_client import BinanceSigner, gateway_event
from tests.support.cognito import cognito_event
from tests.support.conservation import assert_conserved
from tests.support.template_tables import template

BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
       "quantity": "0.0100", "price": "40000.00", "newOrderRespType": "ACK"}  # fmt: skip


@dataclass
class World:
    """Alice (the caller) and Bob (the victim), each with money, keys, orders and history."""

    exchange: Exchange
    alice: str
    alice_key: BinanceSigner
    bob: str
    bob_key: BinanceSigner
    bob_order_id: int
    bob_client_order_id: str
    bob_filled_order_id: int
    bob_trade_id: int
    bob_withdrawal_id: str
    bob_withdrawal_key: str
    bob_address: str
    bob_deposit_address: str
    markers: list[str] = field(default_factory=list)

    def bob_state(self) -> dict[str, Any]:
        """Everything of Bob's a leak could change."""
        with psycopg.connect(self.exchange.database_url) as conn:
            orders = conn.execute(
                "SELECT order_id, status, hold_remaining, hold_open FROM orders WHERE user_id = %s"
                " ORDER BY order_id",
                (self.bob,),
            ).fetchall()
            balances = conn.execute(
                "SELECT asset, available, held FROM balances WHERE account_id = %s ORDER BY asset",
                (f"user:{self.bob}",),
            ).fetchall()
            keys = conn.execute(
                "SELECT api_key, revoked_at FROM api_keys WHERE user_id = %s ORDER BY api_key", (self.bob,)
            ).fetchall()
            withdrawals = conn.execute(
                "SELECT withdrawal_id, status FROM withdrawals WHERE user_id = %s ORDER BY 1", (self.bob,)
            ).fetchall()
        return {"orders": orders, "balances": balances, "keys": keys, "withdrawals": withdrawals}


def external_address() -> str:
    return derive_deposit_address(b"somebody-else's-wallet", str(uuid.uuid4()), network_for("BTC", "BTC"))


@pytest.fixture(scope="module")
def world(exchange: Exchange) -> World:
    alice = exchange.user("alice", USDT="1000", BTC="1")
    bob = exchange.user("bob", USDT="1000", BTC="1")
    carol = exchange.user("carol", USDT="1000")
    alice_key, bob_key = exchange.api_key(alice), exchange.api_key(bob)

    bob_client_order_id = f"bob-secret-{uuid.uuid4().hex[:12]}"
    bob_buy = {**BUY, "newClientOrderId": bob_client_order_id}
    placed = exchange.signed(bob_key, "POST", "/api/v3/order", bob_buy)
    assert placed.status == 200, placed.body

    # Bob sells to Carol: Bob has a filled order, a trade and a position.
    sell = exchange.place(bob, "SELL", "50000", "0.01")
    buy = exchange.place(carol, "BUY", "50000", "0.01")
    tape = exchange.tape()
    trade = tape.trade(sell, buy, "50000", "0.01")
    events: list[EngineEvent] = [tape.accepted(sell), tape.accepted(buy), trade,
                                 tape.done(buy, "FILLED", "0.01", "500"),
                                 tape.done(sell, "FILLED", "0.01", "500")]  # fmt: skip
    assert exchange.settle(events) == []
    exchange.commands()

    address = external_address()
    withdrawal_key = f"bob-withdrawal-{uuid.uuid4().hex[:8]}"
    request = {"asset": "BTC", "address": address, "amount": "0.1"}
    event = cognito_event("POST", "/v1/withdrawals", bob, request)
    event["headers"]["Idempotency-Key"] = withdrawal_key
    withdrawal = invoke(handler_for("/v1/withdrawals"), event)
    assert withdrawal.status == 202, withdrawal.body
    deposit_address = invoke(
        handler_for("/v1/deposit-address"),
        {**cognito_event("GET", "/v1/deposit-address", bob),
         "queryStringParameters": {"asset": "BTC"}, "multiValueQueryStringParameters": {"asset": ["BTC"]}},
    )  # fmt: skip
    assert deposit_address.status == 200, deposit_address.body

    found = World(
        exchange=exchange,
        alice=alice,
        alice_key=alice_key,
        bob=bob,
        bob_key=bob_key,
        bob_order_id=placed.body["orderId"],
        bob_client_order_id=bob_client_order_id,
        bob_filled_order_id=sell.order_id,
        bob_trade_id=trade.trade_id,
        bob_withdrawal_id=withdrawal.body["withdrawalId"]
        if "withdrawalId" in withdrawal.body
        else withdrawal.body["id"],
        bob_withdrawal_key=withdrawal_key,
        bob_address=address,
        bob_deposit_address=deposit_address.body["address"],
    )
    found.markers = [bob, bob_key.api_key, bob_client_order_id, found.bob_withdrawal_id, address,
                     found.bob_deposit_address]  # fmt: skip
    return found


# ---- the matrix ---------------------------------------------------------------------------------

Call = Callable[[World], Answer]


def signed(method: str, path: str, params: Callable[[World], dict[str, str]] = lambda w: {}) -> Call:
    return lambda w: w.exchange.signed(w.alice_key, method, path, params(w))


def cognito(method: str, path: Callable[[World], str] | str, body: Any = None,
            query: dict[str, str] | None = None, groups: str | None = None,
            headers: dict[str, str] | None = None) -> Call:  # fmt: skip
    def call(w: World) -> Answer:
        where = path(w) if callable(path) else path
        event = cognito_event(method, where, w.alice, body(w) if callable(body) else body)
        if query:
            event["queryStringParameters"] = dict(query)
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
        if groups is not None:
            event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
        event["headers"].update(headers or {})
        return invoke(handler_for(where), event)

    return call


@dataclass(frozen=True)
class Expect:
    """Either refused with one of `codes` (and one of `statuses`), or answered 2xx with Alice's data."""

    statuses: tuple[int, ...] = (200,)
    codes: tuple[int, ...] = ()
    # Values of Bob's that Alice herself sent (her own clientOrderId may equal his): echoing is fine.
    echoes: tuple[str, ...] = ()


OWN = Expect()


def refused(*codes: int, statuses: tuple[int, ...] = (400,)) -> Expect:
    return Expect(statuses=statuses, codes=codes)


def bob_order(w: World) -> dict[str, str]:
    return {"symbol": "BTCUSDT", "orderId": str(w.bob_order_id)}


def bob_client_order(w: World) -> dict[str, str]:
    return {"symbol": "BTCUSDT", "origClientOrderId": w.bob_client_order_id}


def bob_replace(mode: str, by: str) -> Callable[[World], dict[str, str]]:
    def params(w: World) -> dict[str, str]:
        target = {"cancelOrderId": str(w.bob_order_id)} if by == "id" else {
            "cancelOrigClientOrderId": w.bob_client_order_id}  # fmt: skip
        return {**BUY, "cancelReplaceMode": mode, **target}

    return params


SYMBOL = {"symbol": "BTCUSDT"}
ADMIN_ONLY = refused(-2015, statuses=(403,))


def with_symbol(**named: Callable[[World], object]) -> Callable[[World], dict[str, str]]:
    return lambda w: {**SYMBOL, **{name: str(value(w)) for name, value in named.items()}}


def bob_withdrawal(action: str = "") -> Callable[[World], str]:
    return lambda w: f"/v1/{'admin/' if action else ''}withdrawals/{w.bob_withdrawal_id}{action}"


def forged_deposit(w: World) -> dict[str, Any]:
    return {"network": "BTC", "address": w.bob_deposit_address, "txId": f"forged-{uuid.uuid4()}",
            "amount": "5", "confirmations": 10}  # fmt: skip


def withdrawal_with_bobs_key(w: World) -> Answer:
    body = {"asset": "BTC", "address": w.bob_address, "amount": "0.1"}
    return cognito("POST", "/v1/withdrawals", body=body, headers={"Idempotency-Key": w.bob_withdrawal_key})(w)


# name -> (Alice's call, what she may get back)
ENDPOINTS: dict[str, tuple[Call, Expect]] = {
    "query order by Bob's orderId": (signed("GET", "/api/v3/order", bob_order), refused(-2013)),
    "query order by Bob's clientOrderId": (
        signed("GET", "/api/v3/order", bob_client_order),
        refused(-2013),
    ),
    "cancel Bob's orderId": (signed("DELETE", "/api/v3/order", bob_order), refused(-2013, -2011)),
    "cancel Bob's clientOrderId": (
        signed("DELETE", "/api/v3/order", bob_client_order),
        refused(-2013, -2011),
    ),
    "open orders of the symbol": (signed("GET", "/api/v3/openOrders", with_symbol()), OWN),
    "open orders of every symbol": (signed("GET", "/api/v3/openOrders"), OWN),
    "cancel all open orders": (
        signed("DELETE", "/api/v3/openOrders", with_symbol()),
        Expect(statuses=(200, 400), codes=(-2011,)),
    ),
    "all orders from Bob's orderId": (
        signed("GET", "/api/v3/allOrders", with_symbol(orderId=lambda w: w.bob_order_id)),
        OWN,
    ),
    "all orders from Bob's filled orderId": (
        signed("GET", "/api/v3/allOrders", with_symbol(orderId=lambda w: w.bob_filled_order_id)),
        OWN,
    ),
    "my trades of Bob's orderId": (
        signed("GET", "/api/v3/myTrades", with_symbol(orderId=lambda w: w.bob_filled_order_id)),
        OWN,
    ),
    "my trades from Bob's tradeId": (
        signed("GET", "/api/v3/myTrades", with_symbol(fromId=lambda w: w.bob_trade_id)),
        OWN,
    ),
    "account": (signed("GET", "/api/v3/account"), OWN),
    "cancelReplace of Bob's orderId, stop on failure": (
        signed("POST", "/api/v3/order/cancelReplace", bob_replace("STOP_ON_FAILURE", "id")),
        refused(-2022),
    ),
    "cancelReplace of Bob's clientOrderId, allow failure": (
        signed("POST", "/api/v3/order/cancelReplace", bob_replace("ALLOW_FAILURE", "client")),
        refused(-2021, -2022, statuses=(400, 409)),
    ),
    "new order reusing Bob's clientOrderId": (
        signed("POST", "/api/v3/order", lambda w: {**BUY, "newClientOrderId": w.bob_client_order_id}),
        Expect(echoes=("bob_client_order_id",)),
    ),
    "v1 profile": (cognito("GET", "/v1/profile"), OWN),
    "v1 balances": (cognito("GET", "/v1/balances"), OWN),
    "v1 balances asking for Bob's userId": (cognito("GET", "/v1/balances", query={"userId": "bob"}), OWN),
    "v1 wallet": (cognito("GET", "/v1/wallet"), OWN),
    "v1 positions": (cognito("GET", "/v1/positions"), OWN),
    "v1 api keys": (cognito("GET", "/v1/api-keys"), OWN),
    "v1 revoke Bob's api key": (
        cognito("DELETE", lambda w: f"/v1/api-keys/{w.bob_key.api_key}"),
        refused(-2015, statuses=(404,)),
    ),
    "v1 new api key for Bob's userId": (
        cognito("POST", "/v1/api-keys", body=lambda w: {"permissions": ["read"], "userId": w.bob}),
        refused(-1102, -1100),
    ),
    "v1 withdrawals": (cognito("GET", "/v1/withdrawals"), OWN),
    "v1 Bob's withdrawal": (cognito("GET", bob_withdrawal()), refused(-4010, statuses=(404,))),
    "v1 withdrawal with Bob's idempotency key": (
        withdrawal_with_bobs_key,
        Expect(statuses=(202,), echoes=("bob_address",)),
    ),
    "v1 deposits": (cognito("GET", "/v1/deposits"), OWN),
    "v1 deposit address": (cognito("GET", "/v1/deposit-address", query={"asset": "BTC"}), OWN),
    "v1 admin approves Bob's withdrawal": (cognito("POST", bob_withdrawal("/approve")), ADMIN_ONLY),
    "v1 admin rejects Bob's withdrawal": (cognito("POST", bob_withdrawal("/reject"), body={}), ADMIN_ONLY),
    "v1 admin reports a deposit to Bob's address": (
        cognito("POST", "/v1/admin/deposits", body=forged_deposit),
        ADMIN_ONLY,
    ),
    "v1 admin analytics of Bob": (
        cognito("GET", "/v1/admin/analytics/volume", query={"userId": "bob"}),
        ADMIN_ONLY,
    ),
    "v1 admin group claimed as a substring": (
        cognito("POST", bob_withdrawal("/approve"), groups="administrators"),
        ADMIN_ONLY,
    ),
}


def order_ids_in(body: Any) -> set[int]:
    found: set[int] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("orderId", "orderID") and isinstance(value, int):
                found.add(value)
            found |= order_ids_in(value)
    elif isinstance(body, list):
        for item in body:
            found |= order_ids_in(item)
    return found


@pytest.fixture
def bob_before(world: World) -> Iterator[dict[str, Any]]:
    state = world.bob_state()
    yield state
    world.exchange.commands()


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_alice_never_reads_or_changes_bobs_data(world: World, bob_before: dict[str, Any], name: str) -> None:
    call, expect = ENDPOINTS[name]
    answer = call(world)

    assert answer.status in expect.statuses, (answer.status, answer.body)
    if answer.status >= 400:
        assert set(answer.body) >= {"code", "msg"} and answer.body["code"] in expect.codes, answer.body
    echoed = {getattr(world, name) for name in expect.echoes}
    assert not [m for m in world.markers if m in answer.text and m not in echoed], answer.body
    assert not order_ids_in(answer.body) & {world.bob_order_id, world.bob_filled_order_id}, answer.body
    assert world.bob_state() == bob_before
    assert not [c for c in world.exchange.commands() if json.dumps(c).find(world.bob) >= 0]
    assert_conserved(world.exchange.database_url)


def test_bobs_key_and_order_still_work_after_the_whole_matrix(world: World) -> None:
    answer = world.exchange.signed(world.bob_key, "GET", "/api/v3/order", bob_order(world))
    assert (answer.status, answer.body["status"]) == (200, "NEW")
    assert_conserved(world.exchange.database_url)


# ---- signed requests: the credentials themselves ---------------------------------------------------


def template_routes(function_filter: Callable[[dict[str, Any]], bool]) -> list[tuple[str, str]]:
    routes = []
    for resource in template()["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            if event.get("Type") == "Api" and function_filter(event["Properties"]):
                routes.append((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return sorted(routes)


def is_cognito(properties: dict[str, Any]) -> bool:
    return bool((properties.get("Auth") or {}).get("Authorizer") == "CognitoAuthorizer")


SIGNED_ROUTES = [
    (m, p) for m, p in template_routes(lambda p: not is_cognito(p))
    if p.startswith("/api/v3/") and p not in {"/api/v3/ping", "/api/v3/time"}
    and handler_for(p).__module__.startswith("trading.")
]  # fmt: skip
COGNITO_ROUTES = template_routes(is_cognito)
# Which permission each signed route needs (TRADE endpoints vs USER_DATA endpoints).
TRADE_ROUTES = {("POST", "/api/v3/order"), ("POST", "/api/v3/order/test"), ("DELETE", "/api/v3/order"),
                ("DELETE", "/api/v3/openOrders"), ("POST", "/api/v3/order/cancelReplace"),
                ("POST", "/api/v3/orderList/oco")}  # fmt: skip


def params_for(method: str, path: str) -> dict[str, str]:
    """Well-formed parameters for the route (what is checked here is who may call it)."""
    if path in ("/api/v3/order", "/api/v3/order/test") and method == "POST":
        return dict(BUY)
    if path == "/api/v3/order/cancelReplace":
        return {**BUY, "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrderId": "1"}
    if path == "/api/v3/orderList/oco":
        return {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.0100", "aboveType": "LIMIT_MAKER",
                "abovePrice": "60000.00", "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "45000.00",
                "belowPrice": "44900.00", "belowTimeInForce": "GTC"}  # fmt: skip
    if path == "/api/v3/order":
        return {"symbol": "BTCUSDT", "orderId": "1"}
    if path == "/api/v3/account":
        return {}
    return {"symbol": "BTCUSDT"}


def test_the_endpoint_tables_cover_every_signed_and_cognito_route_of_the_template() -> None:
    assert len(SIGNED_ROUTES) >= 10 and len(COGNITO_ROUTES) >= 15
    assert set(SIGNED_ROUTES) >= TRADE_ROUTES


def call_route(signer: BinanceSigner, method: str, path: str, **kwargs: Any) -> Answer:
    return invoke(handler_for(path), signer.event(method, path, params_for(method, path), **kwargs))


def assert_refused(answer: Answer, status: int, *codes: int) -> None:
    assert (answer.status, answer.body.get("code")) in {(status, code) for code in codes}, answer.body


@pytest.fixture(scope="module")
def funded_key(exchange: Exchange) -> BinanceSigner:
    return exchange.api_key(exchange.user("mallory", USDT="1000", BTC="1"))


@pytest.fixture
def nothing_written(exchange: Exchange, funded_key: BinanceSigner) -> Iterator[None]:
    """Refused requests write nothing: no order, no hold, no engine command."""

    def snapshot() -> Any:
        with psycopg.connect(exchange.database_url) as conn:
            return conn.execute(
                "SELECT (SELECT count(*) FROM orders),"
                " (SELECT count(*) FROM journal_entries WHERE cause_type <> 'deposit')"
            ).fetchone()

    before = snapshot()
    yield
    assert snapshot() == before
    assert exchange.commands() == []
    assert_conserved(exchange.database_url)


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize(("method", "path"), SIGNED_ROUTES)
class TestSignedRouteRefuses:
    def test_a_request_without_an_api_key(self, funded_key: BinanceSigner, method: str, path: str) -> None:
        event = funded_key.event(method, path, params_for(method, path))
        event["headers"].pop("X-MBX-APIKEY")
        event["multiValueHeaders"].pop("X-MBX-APIKEY")
        assert_refused(invoke(handler_for(path), event), 401, -2014, -2015)

    def test_an_unknown_api_key(self, funded_key: BinanceSigner, method: str, path: str) -> None:
        stranger = BinanceSigner(api_key="K" * 64, secret=funded_key.secret)
        assert_refused(call_route(stranger, method, path), 401, -2015)

    def test_a_bad_signature(self, funded_key: BinanceSigner, method: str, path: str) -> None:
        assert_refused(call_route(funded_key, method, path, signature="f" * 64), 401, -1022)

    def test_a_signature_made_with_another_secret(
        self, exchange: Exchange, funded_key: BinanceSigner, method: str, path: str
    ) -> None:
        forged = BinanceSigner(api_key=funded_key.api_key, secret="s" * 64)
        assert_refused(call_route(forged, method, path), 401, -1022)

    def test_a_signature_over_different_parameters(
        self, funded_key: BinanceSigner, method: str, path: str
    ) -> None:
        event = funded_key.event(method, path, params_for(method, path))
        where = "body" if event["body"] else "query"
        tampered = {"body": event["body"], "query": ""} if where == "body" else {"body": None}
        if where == "body":
            tampered["body"] = event["body"].replace("timestamp=", "recvWindow=6000&timestamp=", 1)
            event["body"] = tampered["body"]
        else:
            query = event["queryStringParameters"]
            query["recvWindow"] = "6000"
            event["multiValueQueryStringParameters"]["recvWindow"] = ["6000"]
        assert_refused(invoke(handler_for(path), event), 401, -1022)

    def test_a_missing_signature(self, funded_key: BinanceSigner, method: str, path: str) -> None:
        event = funded_key.event(method, path, params_for(method, path))
        if event["body"]:
            event["body"] = event["body"].rsplit("&signature=", 1)[0]
        else:
            event["queryStringParameters"].pop("signature")
            event["multiValueQueryStringParameters"].pop("signature")
        assert_refused(invoke(handler_for(path), event), 400, -1102)

    def test_a_timestamp_older_than_the_recv_window(
        self, funded_key: BinanceSigner, method: str, path: str
    ) -> None:
        stale = time.time_ns() // 1_000_000 - 5_001 - 500
        assert_refused(call_route(funded_key, method, path, timestamp_ms=stale), 400, -1021)

    def test_a_timestamp_from_the_future(self, funded_key: BinanceSigner, method: str, path: str) -> None:
        ahead = time.time_ns() // 1_000_000 + 5_000
        assert_refused(call_route(funded_key, method, path, timestamp_ms=ahead), 400, -1021)

    def test_a_captured_request_replayed_after_its_recv_window(
        self, funded_key: BinanceSigner, method: str, path: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from trading import dependencies

        signed_at = time.time_ns() // 1_000_000
        captured = funded_key.event(method, path, params_for(method, path), timestamp_ms=signed_at)
        monkeypatch.setattr(dependencies, "now_ms", lambda: signed_at + 5_001)
        assert_refused(invoke(handler_for(path), captured), 400, -1021)

    def test_a_revoked_key(self, exchange: Exchange, method: str, path: str) -> None:
        owner = exchange.user("revoked", USDT="1000", BTC="1")
        key = exchange.api_key(owner)
        assert exchange.account_call("DELETE", f"/v1/api-keys/{key.api_key}", owner).status == 200
        assert_refused(call_route(key, method, path), 401, -2015)

    def test_a_key_without_the_routes_permission(self, exchange: Exchange, method: str, path: str) -> None:
        owner = exchange.user("limited", USDT="1000", BTC="1")
        lacking = ("read", "withdraw") if (method, path) in TRADE_ROUTES else ("trade", "withdraw")
        assert_refused(call_route(exchange.api_key(owner, lacking), method, path), 401, -2015)


# ---- Cognito routes: the gateway's authorizer is the only source of the user ----------------------


def cognito_path(path: str) -> str:
    return path.replace("{", "").replace("}", "")


@pytest.mark.parametrize(("method", "path"), COGNITO_ROUTES)
@pytest.mark.parametrize(
    "authorizer",
    [None, {}, {"claims": {}}, {"claims": {"sub": ""}}, {"claims": {"email": "bob@example.com"}},
     {"claims": "sub=bob"}, {"principalId": "bob"}],
    ids=["no-authorizer", "empty-authorizer", "no-claims", "empty-sub", "no-sub", "claims-not-a-map",
         "principal-only"],
)  # fmt: skip
def test_cognito_route_without_a_verified_sub_is_401(
    exchange: Exchange, method: str, path: str, authorizer: dict[str, Any] | None
) -> None:
    where = cognito_path(path)
    # What reaches the handler when the bearer token was expired or forged: no verified claims.
    event = gateway_event(
        method, where, body="{}" if method == "POST" else None,
        headers={"Content-Type": "application/json", "Authorization": "Bearer expired.or.forged"},
        authorizer=authorizer,
    )  # fmt: skip
    if authorizer is None:
        event["requestContext"].pop("authorizer", None)
    answer = invoke(handler_for(where), event)
    assert (answer.status, answer.body["code"]) == (401, -1002), answer.body
    assert_conserved(exchange.database_url)
