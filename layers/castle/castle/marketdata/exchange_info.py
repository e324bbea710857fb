"""GET /api/v3/exchangeInfo in Binance's documented shape, from castle.domain.markets."""

import json
from typing import Any

from castle.domain.markets import MARKETS, Market
from castle.errors import BadParameterError
from castle.marketdata.decimals import fmt
from castle.marketdata.queries import BadParameterComboError, Params, symbols_param

ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"]
STP_MODES = ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"]
SYMBOL_STATUSES = ("TRADING", "HALT", "BREAK")
RATE_LIMITS: list[dict[str, Any]] = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
]


def filters(market: Market) -> list[dict[str, Any]]:
    return [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": fmt(market.min_price),
            "maxPrice": fmt(market.max_price),
            "tickSize": fmt(market.tick_size),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": fmt(market.min_qty),
            "maxQty": fmt(market.max_qty),
            "stepSize": fmt(market.lot_size),
        },
        {
            "filterType": "MIN_NOTIONAL",
            "minNotional": fmt(market.min_notional),
            "applyToMarket": True,
            "avgPriceMins": 5,
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": fmt(market.min_notional),
            "applyMinToMarket": True,
            "maxNotional": fmt(market.max_price * market.max_qty),
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": fmt(market.min_qty),
            "maxQty": fmt(market.max_qty),
            "stepSize": fmt(market.lot_size),
        },
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
    ]


def symbol_info(market: Market, status: str) -> dict[str, Any]:
    return {
        "symbol": market.symbol,
        "status": status,
        "baseAsset": market.base_asset,
        "baseAssetPrecision": 8,
        "quoteAsset": market.quote_asset,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ORDER_TYPES,
        "icebergAllowed": False,
        "ocoAllowed": True,
        "otoAllowed": False,
        "opoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": True,
        "amendAllowed": False,
        "pegInstructionsAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": filters(market),
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": STP_MODES,
    }


def exchange_info(params: Params, statuses: dict[str, str], now_ms: int) -> dict[str, Any]:
    """`statuses`: each symbol's trading status (TRADING unless the engine said otherwise)."""
    wanted_status = params.get("symbolStatus")
    if wanted_status is not None:
        if "symbol" in params or "symbols" in params:
            raise BadParameterComboError("symbolStatus cannot be combined with symbol or symbols.")
        if wanted_status not in SYMBOL_STATUSES:
            raise BadParameterError("Parameter 'symbolStatus' must be TRADING, HALT or BREAK.")
    _check_permissions(params.get("permissions"))
    symbols = symbols_param(params)
    infos = [symbol_info(MARKETS[s], statuses.get(s, "TRADING")) for s in symbols]
    if wanted_status is not None:
        infos = [info for info in infos if info["status"] == wanted_status]
    if params.get("showPermissionSets") == "false":
        for info in infos:
            info["permissionSets"] = []
    return {
        "timezone": "UTC",
        "serverTime": now_ms,
        "rateLimits": RATE_LIMITS,
        "exchangeFilters": [],
        "symbols": infos,
    }


def _check_permissions(raw: str | None) -> None:
    """Castle has only SPOT symbols: any permission filter is accepted, non-SPOT ones match nothing
    but the documented shape is kept simple (all symbols are SPOT)."""
    if raw is None or raw == "SPOT":
        return
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
        raise BadParameterError("Parameter 'permissions' is malformed.")
