"""Cancel one order, every open order of a symbol, or cancel-and-replace (Binance cancelReplace).

A caller only ever finds its own orders: another user's order id answers -2013 "Order does not
exist." exactly like an unknown id, so nothing about other accounts leaks.
"""

from collections.abc import Mapping
from typing import Any

from castle.contracts.commands import CancelOrder, CancelReplace
from castle.domain.markets import Market
from castle.errors import (
    CancelRejectedError,
    CancelReplaceError,
    CastleError,
    InvalidCancelRestrictionsError,
    MandatoryParameterError,
    ServiceUnavailableError,
    UnknownOrderError,
)
from castle.ledger.models import OrderRecord
from castle.observability import logger
from castle.orders import responses
from castle.orders.parameters import (
    new_client_order_id,
    optional,
    parse_client_order_id,
    parse_enum,
    parse_long,
)
from castle.orders.placement import (
    answer,
    needs_sending,
    order_spec,
    place_order,
    reserve,
    send_or_compensate,
)
from castle.orders.ports import TradingPorts
from castle.orders.validation import NewOrderParams
from castle.ports.commands import CommandSendError

CANCEL_RESTRICTIONS = ("ONLY_NEW", "ONLY_PARTIALLY_FILLED")
_RESTRICTED_STATUS = {"ONLY_NEW": {"PENDING_NEW", "NEW"}, "ONLY_PARTIALLY_FILLED": {"PARTIALLY_FILLED"}}


def find_own_order(
    ports: TradingPorts,
    user_id: str,
    market: Market,
    params: Mapping[str, str],
    id_name: str = "orderId",
    client_id_name: str = "origClientOrderId",
) -> OrderRecord:
    order_id = parse_long(params, id_name)
    client_order_id = parse_client_order_id(params, client_id_name)
    if order_id is None and client_order_id is None:
        raise MandatoryParameterError(
            f"Param '{client_id_name}' or '{id_name}' must be sent, but both were empty/null!"
        )
    record = ports.ledger.get_order(
        user_id, market.symbol, order_id=order_id, client_order_id=client_order_id
    )
    if record is None or record.user_id != user_id:
        raise UnknownOrderError()
    return record


def check_cancellable(record: OrderRecord, restriction: str | None) -> None:
    if not record.is_open:
        raise CancelRejectedError("Unknown order sent.")
    if restriction is not None and record.status not in _RESTRICTED_STATUS[restriction]:
        raise CancelRejectedError("Order was not canceled due to cancel restrictions.")


def _send_cancel(ports: TradingPorts, record: OrderRecord, cancel_id: str, now_ms: int) -> None:
    command = CancelOrder(
        command_id=f"cancel-{record.order_id}-{cancel_id}",
        symbol=record.symbol,
        ts_ms=now_ms,
        order_id=record.order_id,
        user_id=record.user_id,
    )
    try:
        ports.commands.send(command)
    except CommandSendError as exc:
        logger.warning("cancel command not sent", extra={"order_id": record.order_id})
        raise ServiceUnavailableError() from exc


def _wait_closed(ports: TradingPorts, records: list[OrderRecord]) -> list[OrderRecord]:
    """The orders once the engine has closed them all, or as they are when the wait runs out."""

    def probe() -> tuple[bool, list[OrderRecord]]:
        current = [ports.ledger.get_order(r.user_id, r.symbol, order_id=r.order_id) or r for r in records]
        return all(not r.is_open for r in current), current

    return ports.waiter.until(probe, ports.result_wait_ms)


def cancel_order(
    market: Market, params: Mapping[str, str], *, user_id: str, now_ms: int, ports: TradingPorts
) -> dict[str, Any]:
    restriction = parse_enum(
        params, "cancelRestrictions", CANCEL_RESTRICTIONS, InvalidCancelRestrictionsError()
    )
    cancel_id = parse_client_order_id(params, "newClientOrderId") or new_client_order_id()
    record = find_own_order(ports, user_id, market, params)
    check_cancellable(record, restriction)
    _send_cancel(ports, record, cancel_id, now_ms)
    [closed] = _wait_closed(ports, [record])
    return responses.canceled(closed, cancel_id, now_ms)


def cancel_open_orders(
    market: Market, *, user_id: str, now_ms: int, ports: TradingPorts
) -> list[dict[str, Any]]:
    records = ports.ledger.open_orders(user_id, market.symbol)
    if not records:
        raise CancelRejectedError("Unknown order sent.")
    cancel_id = new_client_order_id()
    for record in records:
        _send_cancel(ports, record, cancel_id, now_ms)
    return [responses.canceled(r, cancel_id, now_ms) for r in _wait_closed(ports, records)]


def _error_data(error: CastleError) -> dict[str, Any]:
    return {"code": error.code, "msg": error.message}


def cancel_replace(
    market: Market,
    params: Mapping[str, str],
    new_order: NewOrderParams,
    *,
    user_id: str,
    now_ms: int,
    ports: TradingPorts,
) -> dict[str, Any]:
    """Binance cancelReplace. Filters were checked before anything (Binance does the same).

    STOP_ON_FAILURE: a failed cancel means no new order (400, -2022). ALLOW_FAILURE: the new order is
    placed regardless (409, -2021 when only one side succeeded). When both can proceed the engine
    does cancel + new atomically (CancelReplace), so the new order's hold is placed up front.
    """
    mode = parse_enum(
        params,
        "cancelReplaceMode",
        ("STOP_ON_FAILURE", "ALLOW_FAILURE"),
        MandatoryParameterError(
            "Mandatory parameter 'cancelReplaceMode' was not sent, was empty/null, or malformed."
        ),
    )
    if mode is None:
        raise MandatoryParameterError(
            "Mandatory parameter 'cancelReplaceMode' was not sent, was empty/null, or malformed."
        )
    restriction = parse_enum(
        params, "cancelRestrictions", CANCEL_RESTRICTIONS, InvalidCancelRestrictionsError()
    )
    cancel_id = parse_client_order_id(params, "cancelNewClientOrderId") or new_client_order_id()
    optional(params, "orderRateLimitExceededMode")

    cancel_error: CastleError | None = None
    try:
        target = find_own_order(ports, user_id, market, params, "cancelOrderId", "cancelOrigClientOrderId")
        check_cancellable(target, restriction)
    except CastleError as exc:
        cancel_error = exc

    if cancel_error is not None:
        if mode == "STOP_ON_FAILURE":
            raise CancelReplaceError(
                {
                    "cancelResult": "FAILURE",
                    "newOrderResult": "NOT_ATTEMPTED",
                    "cancelResponse": _error_data(cancel_error),
                    "newOrderResponse": None,
                },
                partial=False,
            )
        try:
            placed = place_order(new_order, user_id=user_id, now_ms=now_ms, ports=ports)
        except CastleError as exc:
            raise CancelReplaceError(
                {
                    "cancelResult": "FAILURE",
                    "newOrderResult": "FAILURE",
                    "cancelResponse": _error_data(cancel_error),
                    "newOrderResponse": _error_data(exc),
                },
                partial=False,
            ) from exc
        raise CancelReplaceError(
            {
                "cancelResult": "FAILURE",
                "newOrderResult": "SUCCESS",
                "cancelResponse": _error_data(cancel_error),
                "newOrderResponse": placed,
            },
            partial=True,
        )

    try:
        record = reserve(new_order, user_id, now_ms, ports)
    except CastleError as exc:
        # The new order cannot be held: cancel alone, as Binance does when the engine refuses it.
        _send_cancel(ports, target, cancel_id, now_ms)
        [closed] = _wait_closed(ports, [target])
        raise CancelReplaceError(
            {
                "cancelResult": "SUCCESS",
                "newOrderResult": "FAILURE",
                "cancelResponse": responses.canceled(closed, cancel_id, now_ms),
                "newOrderResponse": _error_data(exc),
            },
            partial=True,
        ) from exc
    if needs_sending(record):
        command = CancelReplace(
            command_id=f"replace-{target.order_id}-{record.order_id}",
            symbol=market.symbol,
            ts_ms=now_ms,
            cancel_order_id=target.order_id,
            order=order_spec(record, new_order.stp_mode),
        )
        send_or_compensate(ports, command, [record])
    [closed] = _wait_closed(ports, [target])
    return {
        "cancelResult": "SUCCESS",
        "newOrderResult": "SUCCESS",
        "cancelResponse": responses.canceled(closed, cancel_id, now_ms),
        "newOrderResponse": answer(new_order, record, now_ms, ports),
    }
