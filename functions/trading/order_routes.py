"""TRADE endpoints: new order, test order, cancel, cancel all, cancelReplace, OCO."""

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from castle.auth.api_keys import TRADE
from castle.observability import logger, metrics
from castle.orders.cancellation import cancel_open_orders, cancel_order, cancel_replace
from castle.orders.order_lists import OCO_PARAMS, parse_oco, place_oco
from castle.orders.parameters import check_known, parse_bool, parse_symbol
from castle.orders.placement import commission_rates, place_order
from castle.orders.validation import NEW_ORDER_PARAMS, parse_new_order
from trading.dependencies import get_trading_ports, now_ms, signed_request

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

CANCEL_PARAMS = frozenset(
    {"symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"}
)
CANCEL_REPLACE_PARAMS = NEW_ORDER_PARAMS | {
    "cancelReplaceMode",
    "cancelNewClientOrderId",
    "cancelOrigClientOrderId",
    "cancelOrderId",
    "cancelRestrictions",
    "orderRateLimitExceededMode",
}


@router.post("/api/v3/order")
def new_order() -> dict[str, Any]:
    request = signed_request(router.current_event.raw_event, TRADE)
    check_known(request.params, NEW_ORDER_PARAMS)
    order = parse_new_order(request.params)
    logger.append_keys(user_id=request.caller.user_id, symbol=order.symbol)
    answer = place_order(order, user_id=request.caller.user_id, now_ms=now_ms(), ports=get_trading_ports())
    metrics.add_metric(name="OrdersPlaced", unit="Count", value=1)
    return answer


@router.post("/api/v3/order/test")
def test_order() -> dict[str, Any]:
    request = signed_request(router.current_event.raw_event, TRADE)
    check_known(request.params, NEW_ORDER_PARAMS | {"computeCommissionRates"})
    order = parse_new_order({k: v for k, v in request.params.items() if k != "computeCommissionRates"})
    return commission_rates(order.symbol) if parse_bool(request.params, "computeCommissionRates") else {}


@router.delete("/api/v3/order")
def cancel() -> dict[str, Any]:
    request = signed_request(router.current_event.raw_event, TRADE)
    check_known(request.params, CANCEL_PARAMS)
    market = parse_symbol(request.params)
    logger.append_keys(user_id=request.caller.user_id, symbol=market.symbol)
    return cancel_order(
        market, request.params, user_id=request.caller.user_id, now_ms=now_ms(), ports=get_trading_ports()
    )


@router.delete("/api/v3/openOrders")
def cancel_all() -> list[dict[str, Any]]:
    request = signed_request(router.current_event.raw_event, TRADE)
    check_known(request.params, {"symbol"})
    market = parse_symbol(request.params)
    return cancel_open_orders(
        market, user_id=request.caller.user_id, now_ms=now_ms(), ports=get_trading_ports()
    )


@router.post("/api/v3/order/cancelReplace")
def replace() -> dict[str, Any]:
    request = signed_request(router.current_event.raw_event, TRADE)
    check_known(request.params, CANCEL_REPLACE_PARAMS)
    market = parse_symbol(request.params)
    order = parse_new_order({k: v for k, v in request.params.items() if k in NEW_ORDER_PARAMS})
    return cancel_replace(
        market,
        request.params,
        order,
        user_id=request.caller.user_id,
        now_ms=now_ms(),
        ports=get_trading_ports(),
    )


@router.post("/api/v3/orderList/oco")
def new_oco() -> dict[str, Any]:
    request = signed_request(router.current_event.raw_event, TRADE)
    check_known(request.params, OCO_PARAMS)
    list_client_id, limit_leg, stop_leg = parse_oco(request.params)
    return place_oco(
        list_client_id,
        limit_leg,
        stop_leg,
        user_id=request.caller.user_id,
        now_ms=now_ms(),
        ports=get_trading_ports(),
    )
