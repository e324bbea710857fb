"""The OpenAPI 3 document of Castle's whole REST surface, served at GET /openapi.json.

Hand-kept in one place; tests/unit/api/test_openapi.py fails when a route in template.yaml's Api
events is missing here, or documented here but not routed. Parameter lists of the signed endpoints
come from the validators' own allowed-parameter sets, so they cannot drift from the code.
"""

import re
from functools import cache
from typing import Any

from castle.orders.order_lists import OCO_PARAMS
from castle.orders.validation import NEW_ORDER_PARAMS

SIGNED_PARAMS = ("timestamp", "recvWindow", "signature")
_CANCEL = ("symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions")
_CANCEL_REPLACE = (
    *sorted(NEW_ORDER_PARAMS),
    "cancelReplaceMode", "cancelNewClientOrderId", "cancelOrigClientOrderId", "cancelOrderId",
    "cancelRestrictions", "orderRateLimitExceededMode",
)  # fmt: skip
_REQUIRED = {"symbol", "side", "type", "timestamp", "signature", "cancelReplaceMode", "quantity", "aboveType",
             "belowType", "interval"}  # fmt: skip

# (method, path) -> (summary, tag, security, parameters, response schema)
_PUBLIC, _SIGNED, _COGNITO = "public", "signed", "cognito"
ROUTES: dict[tuple[str, str], tuple[str, str, str, tuple[str, ...], str]] = {
    ("GET", "/health"): ("Liveness", "System", _PUBLIC, (), "Object"),
    ("GET", "/api/v3/ping"): ("Test connectivity", "System", _PUBLIC, (), "Object"),
    ("GET", "/api/v3/time"): ("Server time", "System", _PUBLIC, (), "ServerTime"),
    ("GET", "/api/v3/exchangeInfo"): (
        "Exchange information",
        "Market",
        _PUBLIC,
        ("symbol", "symbols"),
        "Object",
    ),
    ("GET", "/api/v3/depth"): ("Order book", "Market", _PUBLIC, ("symbol", "limit"), "Object"),
    ("GET", "/api/v3/trades"): ("Recent trades", "Market", _PUBLIC, ("symbol", "limit"), "Array"),
    ("GET", "/api/v3/historicalTrades"): (
        "Old trade lookup",
        "Market",
        _PUBLIC,
        ("symbol", "limit", "fromId"),
        "Array",
    ),
    ("GET", "/api/v3/aggTrades"): (
        "Aggregate trades",
        "Market",
        _PUBLIC,
        ("symbol", "fromId", "startTime", "endTime", "limit"),
        "Array",
    ),
    ("GET", "/api/v3/klines"): (
        "Klines",
        "Market",
        _PUBLIC,
        ("symbol", "interval", "startTime", "endTime", "timeZone", "limit"),
        "Array",
    ),
    ("GET", "/api/v3/uiKlines"): (
        "UI klines",
        "Market",
        _PUBLIC,
        ("symbol", "interval", "startTime", "endTime", "timeZone", "limit"),
        "Array",
    ),
    ("GET", "/api/v3/ticker/24hr"): (
        "24h ticker",
        "Market",
        _PUBLIC,
        ("symbol", "symbols", "type"),
        "OneOrMany",
    ),
    ("GET", "/api/v3/ticker/price"): ("Price ticker", "Market", _PUBLIC, ("symbol", "symbols"), "OneOrMany"),
    ("GET", "/api/v3/ticker/bookTicker"): (
        "Book ticker",
        "Market",
        _PUBLIC,
        ("symbol", "symbols"),
        "OneOrMany",
    ),
    ("GET", "/api/v3/avgPrice"): ("Average price", "Market", _PUBLIC, ("symbol",), "Object"),
    ("POST", "/api/v3/order"): (
        "New order (TRADE)",
        "Trading",
        _SIGNED,
        tuple(sorted(NEW_ORDER_PARAMS)),
        "Order",
    ),
    ("POST", "/api/v3/order/test"): (
        "Test new order (TRADE)",
        "Trading",
        _SIGNED,
        (*sorted(NEW_ORDER_PARAMS), "computeCommissionRates"),
        "Object",
    ),
    ("DELETE", "/api/v3/order"): ("Cancel order (TRADE)", "Trading", _SIGNED, _CANCEL, "Order"),
    ("GET", "/api/v3/order"): (
        "Query order (USER_DATA)",
        "Trading",
        _SIGNED,
        ("symbol", "orderId", "origClientOrderId"),
        "Order",
    ),
    ("GET", "/api/v3/openOrders"): (
        "Current open orders (USER_DATA)",
        "Trading",
        _SIGNED,
        ("symbol",),
        "Orders",
    ),
    ("DELETE", "/api/v3/openOrders"): (
        "Cancel all open orders (TRADE)",
        "Trading",
        _SIGNED,
        ("symbol",),
        "Orders",
    ),
    ("GET", "/api/v3/allOrders"): (
        "All orders (USER_DATA)",
        "Trading",
        _SIGNED,
        ("symbol", "orderId", "startTime", "endTime", "limit"),
        "Orders",
    ),
    ("POST", "/api/v3/order/cancelReplace"): (
        "Cancel an order and send a new one (TRADE)",
        "Trading",
        _SIGNED,
        _CANCEL_REPLACE,
        "Object",
    ),
    ("POST", "/api/v3/orderList/oco"): (
        "New OCO order list (TRADE)",
        "Trading",
        _SIGNED,
        tuple(sorted(OCO_PARAMS)),
        "Object",
    ),
    ("GET", "/api/v3/account"): (
        "Account information (USER_DATA)",
        "Trading",
        _SIGNED,
        ("omitZeroBalances",),
        "Account",
    ),
    ("GET", "/api/v3/myTrades"): (
        "Account trade list (USER_DATA)",
        "Trading",
        _SIGNED,
        ("symbol", "orderId", "startTime", "endTime", "fromId", "limit"),
        "Array",
    ),
    ("GET", "/sapi/v1/asset/tradeFee"): (
        "Trade fee rates per symbol (USER_DATA, Binance wallet API)",
        "Trading",
        _SIGNED,
        ("symbol",),
        "Array",
    ),
    ("GET", "/v1/profile"): ("The signed-in user", "Account", _COGNITO, (), "Object"),
    ("GET", "/v1/balances"): ("Balances (free / locked per asset)", "Account", _COGNITO, (), "Object"),
    ("GET", "/v1/positions"): ("Positions per symbol", "Account", _COGNITO, (), "Object"),
    ("POST", "/v1/api-keys"): (
        "Create an API key (the secret is returned once)",
        "Account",
        _COGNITO,
        (),
        "Object",
    ),
    ("GET", "/v1/api-keys"): ("List API keys (never secrets)", "Account", _COGNITO, (), "Object"),
    ("DELETE", "/v1/api-keys/{apiKey}"): ("Revoke an API key", "Account", _COGNITO, (), "Object"),
    ("GET", "/openapi.json"): ("This document", "System", _PUBLIC, (), "Object"),
    ("GET", "/v1/wallet"): ("Wallet settings", "Wallet", _COGNITO, (), "Object"),
    ("POST", "/v1/wallet/2fa"): ("Enrol withdrawal two-factor", "Wallet", _COGNITO, (), "Object"),
    ("GET", "/v1/deposit-address"): (
        "Deposit address for an asset",
        "Wallet",
        _COGNITO,
        ("asset",),
        "Object",
    ),
    ("GET", "/v1/deposits"): ("Deposit history", "Wallet", _COGNITO, (), "Object"),
    ("POST", "/v1/admin/deposits"): ("Credit a deposit (admin)", "Admin", _COGNITO, (), "Object"),
    ("POST", "/v1/withdrawals"): ("Request a withdrawal", "Wallet", _COGNITO, (), "Object"),
    ("GET", "/v1/withdrawals"): ("Withdrawal history", "Wallet", _COGNITO, (), "Object"),
    ("GET", "/v1/withdrawals/{withdrawal_id}"): ("Withdrawal status", "Wallet", _COGNITO, (), "Object"),
    ("POST", "/v1/admin/withdrawals/{withdrawal_id}/approve"): (
        "Approve a withdrawal (admin)",
        "Admin",
        _COGNITO,
        (),
        "Object",
    ),
    ("GET", "/v1/admin/analytics/ohlcv"): (
        "Hourly OHLCV per symbol (admin)",
        "Admin",
        _COGNITO,
        ("symbol", "startTime", "endTime"),
        "Object",
    ),
    ("GET", "/v1/admin/analytics/volume"): (
        "Traded volume by user and symbol (admin)",
        "Admin",
        _COGNITO,
        ("symbol", "userId", "startTime", "endTime"),
        "Object",
    ),
    ("GET", "/v1/admin/analytics/fees"): (
        "Fee revenue per hour (admin)",
        "Admin",
        _COGNITO,
        ("startTime", "endTime"),
        "Object",
    ),
    ("POST", "/v1/admin/withdrawals/{withdrawal_id}/reject"): (
        "Reject a withdrawal (admin)",
        "Admin",
        _COGNITO,
        (),
        "Object",
    ),
}

_BODY_METHODS = frozenset({"POST", "DELETE"})
# Success statuses other than 200 (a withdrawal replayed by its idempotency key answers 200).
_SUCCESS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/v1/api-keys"): ("201",),
    ("POST", "/v1/wallet/2fa"): ("201",),
    ("POST", "/v1/withdrawals"): ("202", "200"),
}


def _parameters(method: str, path: str, names: tuple[str, ...], security: str) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name in re.findall(r"{([^}]+)}", path):
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    for name in (*names, *(SIGNED_PARAMS if security == _SIGNED else ())):
        params.append(
            {
                "name": name,
                "in": "query",
                "required": name in _REQUIRED and not (path == "/api/v3/openOrders" and name == "symbol"),
                "schema": {"type": "string"},
                **({"description": "May also be sent in a form body."} if method in _BODY_METHODS else {}),
            }
        )
    return params


def _operation(method: str, path: str) -> dict[str, Any]:
    summary, tag, security, names, schema = ROUTES[(method, path)]
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "operationId": f"{method.lower()}{path.replace('/', '_').replace('{', '').replace('}', '')}",
        "parameters": _parameters(method, path, names, security),
        "responses": {
            **{
                status: {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                }
                for status in _SUCCESS.get((method, path), ("200",))
            },
            "400": {"$ref": "#/components/responses/Error"},
            "401": {
                "$ref": "#/components/responses/Unauthorized"
                if security == _COGNITO
                else "#/components/responses/Error"
            },
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "409": {"$ref": "#/components/responses/Error"},
            "429": {"$ref": "#/components/responses/Error"},
        },
    }
    if security == _SIGNED:
        operation["security"] = [{"BinanceApiKey": []}]
    elif security == _COGNITO:
        operation["security"] = [{"CognitoJwt": []}]
    if (method, path) == ("POST", "/v1/api-keys"):
        operation["requestBody"] = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewApiKey"}}}
        }
    return operation


_DECIMAL = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{8}$", "example": "0.01000000"}


@cache
def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in ROUTES:
        paths.setdefault(path, {})[method.lower()] = _operation(method, path)
    order_props = {
        name: _DECIMAL
        for name in ("price", "origQty", "executedQty", "cummulativeQuoteQty", "origQuoteOrderQty")
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Castle exchange API",
            "version": "1",
            "description": "Binance Spot v3 compatible REST API (change only the base URL) and Castle's /v1 "
            'account API. Errors are {"code": <Binance code>, "msg": ...}. Every answer of a '
            "metered route carries X-MBX-USED-WEIGHT-1M.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "BinanceApiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-MBX-APIKEY",
                    "description": "Plus `timestamp`, optional `recvWindow` (<= 60000) and `signature` = "
                    "hex HMAC-SHA256 of (query string + body) under the key's secret.",
                },
                "CognitoJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "responses": {
                "Error": {
                    "description": "Binance-style error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "Unauthorized": {
                    "description": "No valid Cognito token: API Gateway's own answer, before a function runs",
                    "content": {
                        "application/json": {
                            "schema": {
                                "anyOf": [
                                    {"$ref": "#/components/schemas/Error"},
                                    {
                                        "type": "object",
                                        "required": ["message"],
                                        "properties": {"message": {"type": "string"}},
                                    },
                                ]
                            }
                        }
                    },
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "msg"],
                    "properties": {"code": {"type": "integer", "example": -1121}, "msg": {"type": "string"}},
                },
                "Object": {"type": "object"},
                "Array": {"type": "array", "items": {"type": "object"}},
                # One symbol asked: one object; `symbols` or none: an array of them (as Binance).
                "OneOrMany": {"anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]},
                "ServerTime": {"type": "object", "properties": {"serverTime": {"type": "integer"}}},
                "Order": {
                    "type": "object",
                    "properties": {
                        "symbol": {"type": "string"},
                        "orderId": {"type": "integer", "format": "int64"},
                        "orderListId": {"type": "integer", "format": "int64"},
                        "clientOrderId": {"type": "string"},
                        "status": {"type": "string"},
                        "type": {"type": "string"},
                        "side": {"type": "string"},
                        **order_props,
                        "fills": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "Orders": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}},
                "Account": {
                    "type": "object",
                    "properties": {
                        "commissionRates": {"type": "object"},
                        "canTrade": {"type": "boolean"},
                        "balances": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "asset": {"type": "string"},
                                    "free": _DECIMAL,
                                    "locked": _DECIMAL,
                                },
                            },
                        },
                        "uid": {"type": "integer"},
                    },
                },
                "NewApiKey": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "label": {"type": "string", "maxLength": 64},
                        "permissions": {
                            "type": "array",
                            "items": {"type": "string", "enum": ["read", "trade", "withdraw"]},
                        },
                        "ipAllowlist": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    }
