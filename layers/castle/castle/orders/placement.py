"""Place an order: hold its funds in the ledger, hand it to the engine, answer in Binance's shape.

validate -> ledger.reserve_order (order id + hold, one transaction, idempotent by clientOrderId) ->
NewOrder on the SQS FIFO queue -> ACK at once, or RESULT/FULL after a bounded wait for the engine's
outcome as settlement records it. If the queue certainly refused the command the hold is released
(compensation) and the answer is a clean 503.
"""

from decimal import Decimal
from typing import Any

from castle.contracts.commands import NewOrder, OrderSpec, StpMode
from castle.domain.markets import MARKETS, Market
from castle.domain.money import from_minor
from castle.errors import ExecutionUnknownError, ServiceUnavailableError
from castle.ledger.models import OrderRecord, OrderRequest
from castle.observability import logger
from castle.orders import responses
from castle.orders.parameters import new_client_order_id
from castle.orders.ports import TradingPorts
from castle.orders.validation import NewOrderParams
from castle.ports.commands import CommandSendError

QUEUE_UNAVAILABLE = "QUEUE_UNAVAILABLE"


def _decimal(minor: int | None) -> Any:
    return None if minor is None else from_minor(minor)


def order_spec(record: OrderRecord, stp_mode: StpMode = "NONE") -> OrderSpec:
    return OrderSpec(
        order_id=record.order_id,
        client_order_id=record.client_order_id,
        user_id=record.user_id,
        side=record.side,
        order_type=record.order_type,
        time_in_force=record.time_in_force,
        price=_decimal(record.price_minor),
        quantity=_decimal(record.quantity_minor),
        quote_quantity=record.engine_quote_quantity,
        stop_price=_decimal(record.stop_price_minor),
        stp_mode=stp_mode,
        order_list_id=record.order_list_id,
    )


def order_request(
    order: NewOrderParams, user_id: str, now_ms: int, order_list_id: int | None = None
) -> OrderRequest:
    return OrderRequest(
        user_id=user_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        client_order_id=order.client_order_id or new_client_order_id(),
        created_at_ms=now_ms,
        time_in_force=order.time_in_force,
        price=order.price,
        quantity=order.quantity,
        quote_quantity=order.quote_order_qty,
        stop_price=order.stop_price,
        order_list_id=order_list_id,
    )


def reserve(order: NewOrderParams, user_id: str, now_ms: int, ports: TradingPorts) -> OrderRecord:
    """Hold the funds; raises InsufficientBalanceError / DuplicateRequestError from the ledger."""
    return ports.ledger.reserve_order(order_request(order, user_id, now_ms))


def needs_sending(record: OrderRecord) -> bool:
    """A replay re-sends only an order the engine has not acknowledged yet (the queue and the engine
    de-duplicate by command id and order id), never a settled or rejected one."""
    return not record.replayed or record.status == "PENDING_NEW"


def send_or_compensate(ports: TradingPorts, command: Any, records: list[OrderRecord]) -> None:
    """Send one command; if the queue certainly did not take it, release the holds it carried."""
    try:
        ports.commands.send(command)
    except CommandSendError as exc:
        fresh = [r for r in records if not r.replayed]
        if exc.not_sent and len(fresh) == len(records):
            for record in records:
                ports.ledger.release_order(record.order_id, QUEUE_UNAVAILABLE)
            logger.warning("order command not sent; holds released", extra={"command_id": command.command_id})
            raise ServiceUnavailableError() from exc
        logger.error("order command outcome unknown", extra={"command_id": command.command_id})
        raise ExecutionUnknownError() from exc


def engine_outcome(ports: TradingPorts, record: OrderRecord, ends_immediately: bool) -> OrderRecord:
    """The order as settlement last recorded it, waiting (bounded) for the engine to process it:
    for MARKET/IOC/FOK until it is final, otherwise until it is acknowledged."""

    def probe() -> tuple[bool, OrderRecord]:
        current = ports.ledger.get_order(record.user_id, record.symbol, order_id=record.order_id) or record
        acknowledged = current.status != "PENDING_NEW"
        return (acknowledged and (not ends_immediately or not current.is_open)), current

    return ports.waiter.until(probe, ports.result_wait_ms)


def answer(order: NewOrderParams, record: OrderRecord, now_ms: int, ports: TradingPorts) -> dict[str, Any]:
    if order.resp_type == "ACK":
        return responses.ack(record, now_ms)
    record = engine_outcome(ports, record, order.ends_immediately)
    if order.resp_type == "RESULT":
        return responses.result(record, now_ms)
    trades = ports.ledger.user_trades(record.user_id, record.symbol, order_id=record.order_id, limit=1000)
    return responses.full(record, trades, now_ms)


def place_order(order: NewOrderParams, *, user_id: str, now_ms: int, ports: TradingPorts) -> dict[str, Any]:
    record = reserve(order, user_id, now_ms, ports)
    logger.append_keys(order_id=record.order_id, symbol=record.symbol)
    if needs_sending(record):
        command = NewOrder(
            command_id=f"new-{record.order_id}",
            symbol=record.symbol,
            ts_ms=now_ms,
            order=order_spec(record, order.stp_mode),
        )
        send_or_compensate(ports, command, [record])
    return answer(order, record, now_ms, ports)


def fee_rate(bps: int) -> str:
    """Basis points as Binance's rate string: 10 -> "0.00100000" (exact, no float)."""
    return f"{Decimal(bps).scaleb(-4):.8f}"


def trade_fees(market: Market | None) -> list[dict[str, str]]:
    """GET /sapi/v1/asset/tradeFee (Binance wallet API; ccxt fetchTradingFees, python-binance
    get_trade_fee): maker/taker rates of one symbol, or of every symbol."""
    markets = [market] if market is not None else list(MARKETS.values())
    return [
        {
            "symbol": m.symbol,
            "makerCommission": fee_rate(m.maker_fee_bps),
            "takerCommission": fee_rate(m.taker_fee_bps),
        }
        for m in markets
    ]


def commission_rates(symbol: str) -> dict[str, Any]:
    """POST /api/v3/order/test with computeCommissionRates=true."""
    m = MARKETS[symbol]
    maker, taker = fee_rate(m.maker_fee_bps), fee_rate(m.taker_fee_bps)
    zero = "0.00000000"
    return {
        "standardCommissionForOrder": {"maker": maker, "taker": taker},
        "specialCommissionForOrder": {"maker": zero, "taker": zero},
        "taxCommissionForOrder": {"maker": zero, "taker": zero},
        "discount": {
            "enabledForAccount": False,
            "enabledForSymbol": False,
            "discountAsset": "BNB",
            "discount": zero,
        },
    }
