"""Binance's order response shapes (ACK / RESULT / FULL, cancel), built from ledger records."""

from typing import Any

from castle.domain.money import format_minor
from castle.ledger.models import OrderRecord, UserTrade

_STOP_TYPES = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})


def _text(minor: int | None) -> str:
    return format_minor(minor or 0)


def binance_status(record: OrderRecord) -> str:
    # PENDING_NEW is Castle's "held, not yet acknowledged by the engine": Binance clients know NEW.
    return "NEW" if record.status == "PENDING_NEW" else record.status


def ack(record: OrderRecord, transact_time: int) -> dict[str, Any]:
    return {
        "symbol": record.symbol,
        "orderId": record.order_id,
        "orderListId": -1 if record.order_list_id is None else record.order_list_id,
        "clientOrderId": record.client_order_id,
        "transactTime": transact_time,
    }


def _state(record: OrderRecord) -> dict[str, Any]:
    state: dict[str, Any] = {
        "price": _text(record.price_minor),
        "origQty": _text(record.quantity_minor),
        "executedQty": _text(record.executed_quantity_minor),
        "origQuoteOrderQty": _text(record.quote_quantity_minor),
        "cummulativeQuoteQty": _text(record.cumulative_quote_minor),
        "status": binance_status(record),
        "timeInForce": record.time_in_force or "GTC",
        "type": record.order_type,
        "side": record.side,
    }
    if record.order_type in _STOP_TYPES:
        state["stopPrice"] = _text(record.stop_price_minor)
    return state


def result(record: OrderRecord, transact_time: int) -> dict[str, Any]:
    return {
        **ack(record, transact_time),
        **_state(record),
        "workingTime": -1 if record.working_time_ms is None else record.working_time_ms,
        "selfTradePreventionMode": "NONE",
    }


def fill(trade: UserTrade) -> dict[str, Any]:
    return {
        "price": _text(trade.price_minor),
        "qty": _text(trade.quantity_minor),
        "commission": _text(trade.commission_minor),
        "commissionAsset": trade.commission_asset,
        "tradeId": trade.trade_id,
    }


def full(record: OrderRecord, trades: list[UserTrade], transact_time: int) -> dict[str, Any]:
    return {**result(record, transact_time), "fills": [fill(t) for t in trades]}


def canceled(record: OrderRecord, cancel_client_order_id: str, transact_time: int) -> dict[str, Any]:
    return {
        "symbol": record.symbol,
        "origClientOrderId": record.client_order_id,
        "orderId": record.order_id,
        "orderListId": -1 if record.order_list_id is None else record.order_list_id,
        "clientOrderId": cancel_client_order_id,
        "transactTime": transact_time,
        **_state(record),
        "selfTradePreventionMode": "NONE",
    }
