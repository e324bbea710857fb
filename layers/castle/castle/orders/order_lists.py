"""POST /api/v3/orderList/oco: a LIMIT_MAKER leg and a STOP_LOSS_LIMIT leg, one cancels the other.

SELL: above = LIMIT_MAKER, below = STOP_LOSS_LIMIT. BUY: above = STOP_LOSS_LIMIT, below = LIMIT_MAKER.
Each leg holds its own funds (the ledger holds per order), so an OCO needs funds for both legs.
"""

from collections.abc import Mapping
from typing import Any

from castle.contracts.commands import NewOco
from castle.errors import CastleError, MandatoryParameterError, OcoOrderTypeRejectedError
from castle.ledger.models import OrderRecord
from castle.orders import responses
from castle.orders.parameters import new_client_order_id, optional, parse_client_order_id, required
from castle.orders.placement import (
    engine_outcome,
    needs_sending,
    order_request,
    order_spec,
    send_or_compensate,
)
from castle.orders.ports import TradingPorts
from castle.orders.validation import NewOrderParams, parse_new_order

OCO_PARAMS = frozenset(
    {"symbol", "listClientOrderId", "side", "quantity", "newOrderRespType", "selfTradePreventionMode"}
    | {
        leg + name
        for leg in ("above", "below")
        for name in (
            "Type", "ClientOrderId", "IcebergQty", "Price", "StopPrice", "TrailingDelta", "TimeInForce",
            "StrategyId", "StrategyType", "PegPriceType", "PegOffsetType", "PegOffsetValue",
        )
    }
)  # fmt: skip
_LEG_FIELDS = {
    "Type": "type",
    "ClientOrderId": "newClientOrderId",
    "IcebergQty": "icebergQty",
    "Price": "price",
    "StopPrice": "stopPrice",
    "TrailingDelta": "trailingDelta",
    "TimeInForce": "timeInForce",
    "StrategyId": "strategyId",
    "StrategyType": "strategyType",
    "PegPriceType": "pegPriceType",
    "PegOffsetType": "pegOffsetType",
    "PegOffsetValue": "pegOffsetValue",
}
_EXPECTED = {"SELL": ("LIMIT_MAKER", "STOP_LOSS_LIMIT"), "BUY": ("STOP_LOSS_LIMIT", "LIMIT_MAKER")}


def _leg(params: Mapping[str, str], leg: str) -> NewOrderParams:
    fields = {
        "symbol": params.get("symbol", ""),
        "side": params.get("side", ""),
        "quantity": params.get("quantity", ""),
        "newOrderRespType": params.get("newOrderRespType", "") or "RESULT",
        "selfTradePreventionMode": params.get("selfTradePreventionMode", ""),
    }
    for suffix, name in _LEG_FIELDS.items():
        if leg + suffix in params:
            fields[name] = params[leg + suffix]
    return parse_new_order({k: v for k, v in fields.items() if v != ""})


def parse_oco(params: Mapping[str, str]) -> tuple[str, NewOrderParams, NewOrderParams]:
    """(listClientOrderId, limit leg, stop leg), validated; -1158/-1165/-1166 for a bad shape."""
    side = required(params, "side")
    required(params, "quantity")
    above_type, below_type = required(params, "aboveType"), required(params, "belowType")
    if side in _EXPECTED and (above_type, below_type) != _EXPECTED[side]:
        raise OcoOrderTypeRejectedError()
    above, below = _leg(params, "above"), _leg(params, "below")
    limit_leg, stop_leg = (above, below) if above.order_type == "LIMIT_MAKER" else (below, above)
    assert limit_leg.price is not None and stop_leg.stop_price is not None
    if side == "SELL" and limit_leg.price <= stop_leg.stop_price:
        raise _price_relation(-1166, "A limit order in a sell OCO must be above.")
    if side == "BUY" and limit_leg.price >= stop_leg.stop_price:
        raise _price_relation(-1165, "A limit order in a buy OCO must be below.")
    list_client_id = parse_client_order_id(params, "listClientOrderId") or new_client_order_id()
    optional(params, "newOrderRespType")
    return list_client_id, limit_leg, stop_leg


def _price_relation(code: int, message: str) -> CastleError:
    error = MandatoryParameterError(message)
    error.code = code
    return error


def place_oco(
    list_client_id: str,
    limit_leg: NewOrderParams,
    stop_leg: NewOrderParams,
    *,
    user_id: str,
    now_ms: int,
    ports: TradingPorts,
) -> dict[str, Any]:
    list_id = ports.order_list_ids.next_id()
    limit_record = ports.ledger.reserve_order(order_request(limit_leg, user_id, now_ms, list_id))
    try:
        stop_record = ports.ledger.reserve_order(order_request(stop_leg, user_id, now_ms, list_id))
    except CastleError:
        if not limit_record.replayed:
            ports.ledger.release_order(limit_record.order_id, "OCO_LEG_REFUSED")
        raise
    records = [stop_record, limit_record]
    if any(needs_sending(r) for r in records):
        command = NewOco(
            command_id=f"oco-{list_id}",
            symbol=limit_leg.symbol,
            ts_ms=now_ms,
            order_list_id=limit_record.order_list_id or list_id,
            limit_leg=order_spec(limit_record, limit_leg.stp_mode),
            stop_leg=order_spec(stop_record, stop_leg.stp_mode),
        )
        send_or_compensate(ports, command, records)
    if limit_leg.resp_type != "ACK":
        records = [engine_outcome(ports, r, ends_immediately=False) for r in records]
    return order_list_response(list_client_id, records, now_ms)


def order_list_response(list_client_id: str, records: list[OrderRecord], now_ms: int) -> dict[str, Any]:
    done = all(not r.is_open for r in records)
    first = records[0]
    return {
        "orderListId": first.order_list_id if first.order_list_id is not None else -1,
        "contingencyType": "OCO",
        "listStatusType": "ALL_DONE" if done else "EXEC_STARTED",
        "listOrderStatus": "ALL_DONE" if done else "EXECUTING",
        "listClientOrderId": list_client_id,
        "transactionTime": now_ms,
        "symbol": first.symbol,
        "orders": [
            {"symbol": r.symbol, "orderId": r.order_id, "clientOrderId": r.client_order_id} for r in records
        ],
        "orderReports": [responses.result(r, now_ms) for r in records],
    }
