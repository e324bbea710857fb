"""USER_DATA endpoints: query order, open orders, all orders, account, my trades, trade fees."""

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from castle.auth.api_keys import READ
from castle.orders import queries
from castle.orders.parameters import check_known, parse_optional_symbol, parse_symbol
from castle.orders.placement import trade_fees
from trading.dependencies import get_trading_ports, now_ms, signed_request

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


@router.get("/api/v3/order")
def query_order() -> dict[str, Any]:
    request = signed_request(router.current_event.raw_event, READ)
    check_known(request.params, {"symbol", "orderId", "origClientOrderId"})
    market = parse_symbol(request.params)
    return queries.query_order(market, request.params, request.caller.user_id, get_trading_ports())


@router.get("/api/v3/openOrders")
def open_orders() -> list[dict[str, Any]]:
    request = signed_request(router.current_event.raw_event, READ)
    check_known(request.params, {"symbol"})
    market = parse_optional_symbol(request.params)
    return queries.open_orders(market, request.caller.user_id, get_trading_ports())


@router.get("/api/v3/allOrders")
def all_orders() -> list[dict[str, Any]]:
    request = signed_request(router.current_event.raw_event, READ)
    check_known(request.params, {"symbol", "orderId", "startTime", "endTime", "limit"})
    market = parse_symbol(request.params)
    return queries.all_orders(market, request.params, request.caller.user_id, get_trading_ports())


@router.get("/api/v3/account")
def account() -> dict[str, Any]:
    request = signed_request(router.current_event.raw_event, READ)
    check_known(request.params, {"omitZeroBalances"})
    return queries.account(request.caller, request.params, now_ms(), get_trading_ports())


@router.get("/api/v3/myTrades")
def my_trades() -> list[dict[str, Any]]:
    request = signed_request(router.current_event.raw_event, READ)
    check_known(request.params, {"symbol", "orderId", "startTime", "endTime", "fromId", "limit"})
    market = parse_symbol(request.params)
    return queries.my_trades(market, request.params, request.caller.user_id, get_trading_ports())


@router.get("/sapi/v1/asset/tradeFee")
def trade_fee() -> list[dict[str, str]]:
    request = signed_request(router.current_event.raw_event, READ)
    check_known(request.params, {"symbol"})
    return trade_fees(parse_optional_symbol(request.params))
