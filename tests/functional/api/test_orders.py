"""POST/DELETE/GET /api/v3/order and friends: holds, engine commands, compensation, isolation."""

import psycopg
import pytest

from castle.domain.money import to_minor
from tests.functional.api.api_client import api_key_for, new_user, trade
from tests.functional.api.conftest import Stack
from tests.support.binance_client import BinanceSigner
from tests.support.conservation import assert_conserved

BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
       "quantity": "0.0100", "price": "50000.00", "newOrderRespType": "ACK"}  # fmt: skip
# 0.01 * 50000 = 500 USDT + 10 bps max fee = 0.5 USDT.
BUY_HOLD = "500.50000000"


def funded(stack: Stack, usdt: str = "1000", btc: str = "0") -> tuple[str, BinanceSigner]:
    user = new_user()
    stack.ledger.credit_deposit(f"dep-usdt-{user}", user, "USDT", to_minor(usdt))
    if btc != "0":
        stack.ledger.credit_deposit(f"dep-btc-{user}", user, "BTC", to_minor(btc))
    return user, api_key_for(user)


def balance(stack: Stack, user: str, asset: str) -> dict[str, str]:
    return next(b.as_binance() for b in stack.ledger.balances(user) if b.asset == asset)


def order_rows(stack: Stack, user: str) -> int:
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM orders WHERE user_id = %s", (user,)).fetchone()
    return int(row[0]) if row else 0


def test_limit_buy_holds_notional_plus_max_fee_and_enqueues_the_order(stack: Stack) -> None:
    user, key = funded(stack)
    answer = trade(key, "POST", "/api/v3/order", BUY)
    assert answer.status == 200, answer.body
    assert set(answer.body) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    assert balance(stack, user, "USDT") == {"asset": "USDT", "free": "499.50000000", "locked": BUY_HOLD}
    [command] = stack.commands()
    assert (command["type"], command["_group"], command["symbol"]) == ("new_order", "BTCUSDT", "BTCUSDT")
    assert command["order"]["order_id"] == answer.body["orderId"]
    assert command["order"]["user_id"] == user
    assert_conserved(stack.database_url)


def test_insufficient_balance_is_2010_and_writes_nothing(stack: Stack) -> None:
    user, key = funded(stack, usdt="100")
    answer = trade(key, "POST", "/api/v3/order", BUY)
    assert (answer.status, answer.body["code"]) == (400, -2010)
    assert balance(stack, user, "USDT") == {"asset": "USDT", "free": "100.00000000", "locked": "0.00000000"}
    assert order_rows(stack, user) == 0 and stack.commands() == []
    assert_conserved(stack.database_url)


def test_price_filter_failure_is_1013_and_writes_nothing(stack: Stack) -> None:
    user, key = funded(stack)
    answer = trade(key, "POST", "/api/v3/order", {**BUY, "price": "50000.001"})
    assert (answer.status, answer.body) == (400, {"code": -1013, "msg": "Filter failure: PRICE_FILTER"})
    assert order_rows(stack, user) == 0 and stack.commands() == []


@pytest.mark.parametrize(
    "bad",
    [{"price": "NaN"}, {"quantity": "-1"}, {"quantity": "1e3"}, {"symbol": "ＢＴＣ"}, {"side": "HOLD"},
     {"price": "9" * 40}, {"type": "STOP_LOSS"}, {"timeInForce": "GTD"}, {"newClientOrderId": "x" * 40}],
)  # fmt: skip
def test_bad_input_is_a_4xx_binance_error_never_a_500(stack: Stack, bad: dict[str, str]) -> None:
    _, key = funded(stack)
    answer = trade(key, "POST", "/api/v3/order", {**BUY, **bad})
    assert 400 <= answer.status < 500 and answer.body["code"] < 0


def test_same_new_client_order_id_twice_gives_the_same_order_and_one_hold(stack: Stack) -> None:
    user, key = funded(stack)
    first = trade(key, "POST", "/api/v3/order", {**BUY, "newClientOrderId": "retry-1"})
    second = trade(key, "POST", "/api/v3/order", {**BUY, "newClientOrderId": "retry-1"})
    assert first.body["orderId"] == second.body["orderId"]
    assert balance(stack, user, "USDT")["locked"] == BUY_HOLD
    assert order_rows(stack, user) == 1
    assert_conserved(stack.database_url)


def test_queue_failure_releases_the_hold_and_answers_503(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.functional.api.conftest import clear_caches

    user, key = funded(stack)
    monkeypatch.setenv("CASTLE_ORDER_QUEUE_URL", stack.queue_url.replace("castle-test", "missing"))
    clear_caches()
    answer = trade(key, "POST", "/api/v3/order", {**BUY, "newClientOrderId": "lost-1"})
    assert (answer.status, answer.body["code"]) == (503, -1001)
    assert balance(stack, user, "USDT") == {"asset": "USDT", "free": "1000.00000000", "locked": "0.00000000"}
    [order] = stack.ledger.all_orders(user, "BTCUSDT")
    assert order.status == "REJECTED"
    assert_conserved(stack.database_url)


def test_params_in_the_body_of_a_delete_cancel_the_callers_order(stack: Stack) -> None:
    _, key = funded(stack)
    placed = trade(key, "POST", "/api/v3/order", BUY).body
    stack.commands()
    answer = trade(key, "DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": str(placed["orderId"])},
                   where="body")  # fmt: skip
    assert answer.status == 200, answer.body
    assert answer.body["orderId"] == placed["orderId"]
    assert answer.body["origClientOrderId"] == placed["clientOrderId"]
    [command] = stack.commands()
    assert (command["type"], command["order_id"]) == ("cancel_order", placed["orderId"])


def test_user_cannot_see_or_cancel_another_users_order(stack: Stack) -> None:
    _, alice = funded(stack)
    _, bob = funded(stack)
    placed = trade(alice, "POST", "/api/v3/order", BUY).body
    stack.commands()
    target = {"symbol": "BTCUSDT", "orderId": str(placed["orderId"])}
    seen = trade(bob, "GET", "/api/v3/order", target)
    canceled = trade(bob, "DELETE", "/api/v3/order", target)
    assert (seen.status, seen.body) == (400, {"code": -2013, "msg": "Order does not exist."})
    assert (canceled.status, canceled.body["code"]) == (400, -2013)
    assert trade(bob, "GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}).body == []
    assert stack.commands() == []


def test_query_and_open_orders_show_the_callers_order_in_binance_shape(stack: Stack) -> None:
    _, key = funded(stack)
    placed = trade(key, "POST", "/api/v3/order", BUY).body
    queried = trade(
        key, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": placed["clientOrderId"]}
    )
    opened = trade(key, "GET", "/api/v3/openOrders")
    assert queried.body["orderId"] == placed["orderId"]
    assert (queried.body["price"], queried.body["origQty"], queried.body["status"]) == (
        "50000.00000000", "0.01000000", "NEW")  # fmt: skip
    assert [o["orderId"] for o in opened.body] == [placed["orderId"]]


def test_test_order_validates_without_holding_anything(stack: Stack) -> None:
    user, key = funded(stack)
    answer = trade(key, "POST", "/api/v3/order/test", {**BUY, "computeCommissionRates": "true"})
    assert answer.body["standardCommissionForOrder"] == {"maker": "0.00100000", "taker": "0.00100000"}
    assert order_rows(stack, user) == 0 and stack.commands() == []


def test_cancel_replace_of_unknown_order_with_stop_on_failure_places_nothing(stack: Stack) -> None:
    user, key = funded(stack)
    params = {**BUY, "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrderId": "999999"}
    answer = trade(key, "POST", "/api/v3/order/cancelReplace", params)
    assert (answer.status, answer.body["code"]) == (400, -2022)
    assert answer.body["data"]["newOrderResult"] == "NOT_ATTEMPTED"
    assert order_rows(stack, user) == 0


def test_sell_oco_holds_both_legs_and_sends_one_engine_command(stack: Stack) -> None:
    user, key = funded(stack, btc="1")
    params = {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.0100", "aboveType": "LIMIT_MAKER",
              "abovePrice": "60000.00", "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "45000.00",
              "belowPrice": "44900.00", "belowTimeInForce": "GTC"}  # fmt: skip
    answer = trade(key, "POST", "/api/v3/orderList/oco", params)
    assert answer.status == 200, answer.body
    assert answer.body["contingencyType"] == "OCO" and len(answer.body["orders"]) == 2
    [command] = stack.commands()
    assert command["type"] == "new_oco" and command["order_list_id"] == answer.body["orderListId"]
    assert balance(stack, user, "BTC")["locked"] == "0.02000000"
    assert_conserved(stack.database_url)


def test_my_trades_and_all_orders_are_empty_for_a_new_account(stack: Stack) -> None:
    _, key = funded(stack)
    assert trade(key, "GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}).body == []
    assert trade(key, "GET", "/api/v3/allOrders", {"symbol": "BTCUSDT"}).body == []
