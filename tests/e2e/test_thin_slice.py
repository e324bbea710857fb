"""The thin slice on the real parts of `castle up`: a signed LIMIT order over HTTP holds funds in the
ledger, travels SQS FIFO → engine host → Kinesis → settlement + market data, and a second user's
crossing order trades with it; both users' balances and trades show the trade and its fees, and the
ledger is conserved.

The flow runs once (module fixture) and records what each user saw at each step; each test checks
one behaviour of that record."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.traders import Trader, balances, fee, new_trader, poll, price_inside_spread, signed
from tests.support.conservation import assert_conserved

SYMBOL = "BTCUSDT"
QUANTITY = Decimal("0.01")
FUNDS = {"BTC": Decimal(1), "USDT": Decimal(10_000)}


@dataclass
class ThinSlice:
    stack: RunningStack
    http: httpx.Client
    buyer: Trader
    seller: Trader
    price: Decimal
    placed: dict[str, Any] = field(default_factory=dict)
    held: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    resting: dict[str, Any] = field(default_factory=dict)
    crossing: dict[str, Any] = field(default_factory=dict)

    @property
    def notional(self) -> Decimal:
        return self.price * QUANTITY


def order_status(s: ThinSlice, trader: Trader, order_id: int) -> dict[str, Any]:
    answer = signed(s.http, trader, "GET", "/api/v3/order", {"symbol": SYMBOL, "orderId": str(order_id)})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def wait_for_status(s: ThinSlice, trader: Trader, order_id: int, status: str) -> None:
    poll(
        lambda: order_status(s, trader, order_id)["status"],
        lambda seen: seen == status,
        f"order {order_id} {status}",
    )


def bid_levels(s: ThinSlice) -> list[list[str]]:
    levels: list[list[str]] = s.http.get("/api/v3/depth", params={"symbol": SYMBOL}).json()["bids"]
    return levels


@pytest.fixture(scope="module")
def thin_slice(local_stack: RunningStack) -> Iterator[ThinSlice]:
    if not any(host["alive"] for host in local_stack.status()["engine_hosts"]):
        pytest.fail("the stack's engine host is not running")
    with httpx.Client(base_url=local_stack.url, timeout=15) as http:
        s = ThinSlice(
            local_stack,
            http,
            buyer=new_trader(local_stack, FUNDS, "slice-buyer"),
            seller=new_trader(local_stack, FUNDS, "slice-seller"),
            price=price_inside_spread(local_stack, SYMBOL, Decimal("60000")),
        )
        # Given a resting LIMIT BUY (ACK: answered as soon as the hold is placed and the command queued)
        answer = signed(
            http,
            s.buyer,
            "POST",
            "/api/v3/order",
            {
                "symbol": SYMBOL,
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "price": f"{s.price:f}",
                "quantity": f"{QUANTITY:f}",
                "newOrderRespType": "ACK",
            },
        )
        assert answer.status_code == 200, answer.text
        s.placed = answer.json()
        s.held = balances(http, s.buyer)
        # ... that the engine accepted and the market data consumer put in the public book
        poll(
            lambda: bid_levels(s),
            lambda levels: [f"{s.price:.8f}", f"{QUANTITY:.8f}"] in levels,
            "bid in /depth",
        )
        s.resting = order_status(s, s.buyer, s.placed["orderId"])
        # When a second user sells into it with a crossing LIMIT order
        answer = signed(
            http,
            s.seller,
            "POST",
            "/api/v3/order",
            {
                "symbol": SYMBOL,
                "side": "SELL",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "price": f"{s.price:f}",
                "quantity": f"{QUANTITY:f}",
                "newOrderRespType": "ACK",
            },
        )
        assert answer.status_code == 200, answer.text
        s.crossing = answer.json()
        wait_for_status(s, s.buyer, s.placed["orderId"], "FILLED")
        wait_for_status(s, s.seller, s.crossing["orderId"], "FILLED")
        yield s


def test_a_signed_limit_buy_holds_its_notional_and_maximum_fee_as_locked_quote(thin_slice: ThinSlice) -> None:
    s = thin_slice
    hold = s.notional + fee(s.notional, SYMBOL)
    assert set(s.placed) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}  # ACK
    assert s.held["USDT"] == (FUNDS["USDT"] - hold, hold)
    assert s.held["BTC"] == (FUNDS["BTC"], Decimal(0))


def test_the_engine_accepts_the_order_and_it_rests_as_new_in_the_public_book(thin_slice: ThinSlice) -> None:
    assert thin_slice.resting["status"] == "NEW"
    assert Decimal(thin_slice.resting["executedQty"]) == 0


def test_a_crossing_sell_from_another_user_fills_both_orders_at_the_resting_price(
    thin_slice: ThinSlice,
) -> None:
    s = thin_slice
    for trader, order_id in ((s.buyer, s.placed["orderId"]), (s.seller, s.crossing["orderId"])):
        order = order_status(s, trader, order_id)
        assert order["status"] == "FILLED"
        assert Decimal(order["executedQty"]) == QUANTITY
        assert Decimal(order["cummulativeQuoteQty"]) == s.notional


def test_the_buyer_pays_notional_plus_fee_in_quote_and_receives_the_base(thin_slice: ThinSlice) -> None:
    s = thin_slice
    expected_usdt = FUNDS["USDT"] - s.notional - fee(s.notional, SYMBOL)
    final = poll(
        lambda: balances(s.http, s.buyer),
        lambda b: b["USDT"] == (expected_usdt, Decimal(0)),
        "buyer settled",
    )
    assert final["BTC"] == (FUNDS["BTC"] + QUANTITY, Decimal(0))


def test_the_seller_receives_notional_minus_fee_in_quote_and_gives_the_base(thin_slice: ThinSlice) -> None:
    s = thin_slice
    expected_usdt = FUNDS["USDT"] + s.notional - fee(s.notional, SYMBOL)
    final = poll(
        lambda: balances(s.http, s.seller),
        lambda b: b["USDT"] == (expected_usdt, Decimal(0)),
        "seller settled",
    )
    assert final["BTC"] == (FUNDS["BTC"] - QUANTITY, Decimal(0))


def test_both_users_see_the_same_trade_with_their_side_role_and_fee_in_my_trades(
    thin_slice: ThinSlice,
) -> None:
    s = thin_slice
    seen = {}
    for name, trader in (("buyer", s.buyer), ("seller", s.seller)):
        answer = signed(s.http, trader, "GET", "/api/v3/myTrades", {"symbol": SYMBOL})
        assert answer.status_code == 200, answer.text
        [seen[name]] = answer.json()
    buyer, seller = seen["buyer"], seen["seller"]
    assert buyer["id"] == seller["id"]
    assert (buyer["orderId"], seller["orderId"]) == (s.placed["orderId"], s.crossing["orderId"])
    assert (buyer["isBuyer"], buyer["isMaker"], seller["isBuyer"], seller["isMaker"]) == (
        True,
        True,
        False,
        False,
    )
    for trade in (buyer, seller):
        assert Decimal(trade["price"]) == s.price
        assert Decimal(trade["qty"]) == QUANTITY
        assert Decimal(trade["quoteQty"]) == s.notional
        assert Decimal(trade["commission"]) == fee(s.notional, SYMBOL)
        assert trade["commissionAsset"] == "USDT"


def test_the_ledger_is_conserved_after_the_trade(thin_slice: ThinSlice) -> None:
    assert_conserved(thin_slice.stack.database_url)
