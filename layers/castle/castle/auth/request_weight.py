"""Binance request weights: every answer carries X-MBX-USED-WEIGHT-1M; over the limit -> 429.

Weights per route follow the Binance documentation. The window is counted per API key when the
request names one, else per source IP.
"""

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from castle.errors import CastleError, TooManyRequestsError
from castle.http import error_response
from castle.observability import logger
from castle.ports.auth import WeightCounter, WeightCounterError

USED_WEIGHT_HEADER = "X-MBX-USED-WEIGHT-1M"

WEIGHTS: dict[tuple[str, str], int] = {
    ("POST", "/api/v3/order"): 1,
    ("POST", "/api/v3/order/test"): 1,
    ("DELETE", "/api/v3/order"): 1,
    ("GET", "/api/v3/order"): 4,
    ("GET", "/api/v3/openOrders"): 6,
    ("DELETE", "/api/v3/openOrders"): 1,
    ("GET", "/api/v3/allOrders"): 20,
    ("POST", "/api/v3/order/cancelReplace"): 1,
    ("POST", "/api/v3/orderList/oco"): 1,
    ("GET", "/api/v3/account"): 20,
    ("GET", "/api/v3/myTrades"): 20,
}


def request_weight(method: str, path: str, query: Mapping[str, str]) -> int:
    if (method, path) == ("GET", "/api/v3/openOrders") and not query.get("symbol"):
        return 80
    if (method, path) == ("GET", "/api/v3/myTrades") and query.get("orderId"):
        return 5
    if (method, path) == ("POST", "/api/v3/order/test") and query.get("computeCommissionRates") == "true":
        return 20
    return WEIGHTS.get((method, path), 1)


def weight_bucket(api_key: str | None, source_ip: str | None) -> str:
    if api_key and len(api_key) <= 128 and api_key.isascii() and api_key.isalnum():
        return f"key:{api_key}"
    return f"ip:{source_ip or 'unknown'}"


def charge(counter: WeightCounter, bucket: str, weight: int, now_ms: int, limit: int) -> int:
    """Add the request's weight; the minute's total. Raises TooManyRequestsError above the limit."""
    used = counter.add(bucket, weight, now_ms)
    if used > limit:
        retry_after = max(1, 60 - (now_ms // 1000) % 60)
        raise TooManyRequestsError(
            f"Too much request weight used; current limit is {limit} request weight per 1 MINUTE."
            " Please use WebSocket Streams for live updates to avoid polling the API.",
            retry_after_s=retry_after,
        )
    return used


def weight_middleware(
    counter: Callable[[], WeightCounter], limit: Callable[[], int], clock_ms: Callable[[], int]
) -> Callable[[APIGatewayRestResolver, NextMiddleware], Response[Any]]:
    """A Powertools middleware metering every route of the resolver it is installed on."""

    def middleware(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        event = app.current_event
        query = event.query_string_parameters or {}
        weight = request_weight(event.http_method, event.resource, query)
        bucket = weight_bucket(event.headers.get("X-MBX-APIKEY"), event.request_context.identity.source_ip)
        used: int | None = None
        try:
            used = charge(counter(), bucket, weight, clock_ms(), limit())
            response = next_middleware(app)
        except WeightCounterError:
            logger.warning("request weight store unavailable; request not metered")
            response = next_middleware(app)
        except TooManyRequestsError as exc:
            response = error_response(exc)
        except CastleError as exc:
            logger.info("request refused", extra={"code": exc.code, "reason": exc.message})
            response = error_response(exc)
        if used is not None:
            response.headers[USED_WEIGHT_HEADER] = str(used)
        return response

    return middleware
