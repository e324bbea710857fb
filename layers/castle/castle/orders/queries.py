"""Signed read endpoints: one order, open orders, all orders, my trades, account information."""

import hashlib
from collections.abc import Mapping
from typing import Any

from castle.auth.api_keys import TRADE, WITHDRAW, Caller
from castle.domain.markets import MARKETS, Market
from castle.errors import BadParameterError
from castle.orders.cancellation import find_own_order
from castle.orders.parameters import parse_bool, parse_limit, parse_long
from castle.orders.placement import fee_rate
from castle.orders.ports import TradingPorts

_DAY_MS = 24 * 60 * 60 * 1000


def _time_window(params: Mapping[str, str]) -> tuple[int | None, int | None]:
    start, end = parse_long(params, "startTime"), parse_long(params, "endTime")
    if start is not None and end is not None and (end < start or end - start > _DAY_MS):
        error = BadParameterError("More than 24 hours between startTime and endTime.")
        error.code = -1127
        raise error
    return start, end


def query_order(
    market: Market, params: Mapping[str, str], user_id: str, ports: TradingPorts
) -> dict[str, Any]:
    return find_own_order(ports, user_id, market, params).as_binance()


def open_orders(market: Market | None, user_id: str, ports: TradingPorts) -> list[dict[str, Any]]:
    symbol = market.symbol if market else None
    return [r.as_binance() for r in ports.ledger.open_orders(user_id, symbol)]


def all_orders(
    market: Market, params: Mapping[str, str], user_id: str, ports: TradingPorts
) -> list[dict[str, Any]]:
    start, end = _time_window(params)
    records = ports.ledger.all_orders(
        user_id,
        market.symbol,
        order_id=parse_long(params, "orderId"),
        start_time_ms=start,
        end_time_ms=end,
        limit=parse_limit(params),
    )
    return [r.as_binance() for r in records]


def my_trades(
    market: Market, params: Mapping[str, str], user_id: str, ports: TradingPorts
) -> list[dict[str, Any]]:
    start, end = _time_window(params)
    from_id = parse_long(params, "fromId")
    order_id = parse_long(params, "orderId")
    if from_id is not None and (start is not None or end is not None):
        error = BadParameterError("Combination of optional parameters invalid.")
        error.code = -1128
        raise error
    trades = ports.ledger.user_trades(
        user_id,
        market.symbol,
        order_id=order_id,
        start_time_ms=start,
        end_time_ms=end,
        from_id=from_id,
        limit=parse_limit(params),
    )
    return [t.as_binance() for t in trades]


def numeric_uid(user_id: str) -> int:
    """Binance's `uid` is a number; Castle's user ids are Cognito subs. A stable 53-bit digest keeps
    the field numeric (and exact in JavaScript clients)."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:8], "big") >> 11


def account(caller: Caller, params: Mapping[str, str], now_ms: int, ports: TradingPorts) -> dict[str, Any]:
    omit_zero = parse_bool(params, "omitZeroBalances")
    balances = [
        b.as_binance()
        for b in ports.accounts.balances(caller.user_id)
        if not omit_zero or b.free_minor or b.locked_minor
    ]
    maker_bps = max(m.maker_fee_bps for m in MARKETS.values())
    taker_bps = max(m.taker_fee_bps for m in MARKETS.values())
    return {
        "makerCommission": maker_bps,
        "takerCommission": taker_bps,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": fee_rate(maker_bps),
            "taker": fee_rate(taker_bps),
            "buyer": fee_rate(0),
            "seller": fee_rate(0),
        },
        "canTrade": TRADE in caller.permissions,
        "canWithdraw": WITHDRAW in caller.permissions,
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": now_ms,
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": numeric_uid(caller.user_id),
    }
