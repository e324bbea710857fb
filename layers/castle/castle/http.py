"""The one table that turns errors into HTTP answers, in Binance's shape {"code": ..., "msg": ...}."""

import json
from typing import Any

import psycopg
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from psycopg_pool import PoolTimeout
from pydantic import ValidationError

from castle.errors import BadRequestError, CastleError, MandatoryParameterError, ServiceUnavailableError
from castle.observability import logger

JSON = "application/json"


def error_body(error: CastleError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "msg": error.message}
    # Some Binance errors (cancelReplace) carry the per-step results beside code and msg.
    data = getattr(error, "data", None)
    if data is not None:
        body["data"] = data
    return body


def error_response(error: CastleError) -> Response[str]:
    headers: dict[str, str] = {}
    if error.status == 429:
        headers["Retry-After"] = str(getattr(error, "retry_after_s", 60))
    return Response(
        status_code=error.status,
        content_type=JSON,
        body=json.dumps(error_body(error)),
        headers=headers,
    )


def validation_message(exc: ValidationError) -> str:
    first: Any = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return f"Parameter '{where}' is invalid: {first.get('msg', 'malformed')}." if where else str(exc)


def install_error_handlers(app: APIGatewayRestResolver) -> None:
    """Register the mapping on a resolver: every CastleError and every bad model is a 4xx."""

    def castle_error(exc: CastleError) -> Response[str]:
        logger.info("request refused", extra={"code": exc.code, "reason": exc.message})
        return error_response(exc)

    def bad_model(exc: ValidationError) -> Response[str]:
        return error_response(MandatoryParameterError(validation_message(exc)))

    def bad_json(_: json.JSONDecodeError) -> Response[str]:
        # A /v1 body that is not JSON (Powertools' json_body raises while parsing it).
        return error_response(BadRequestError("The request body is not valid JSON."))

    def not_found(_: Exception) -> Response[str]:
        body = json.dumps({"code": -1000, "msg": "Unknown endpoint."})
        return Response(status_code=404, content_type=JSON, body=body)

    def unavailable(exc: Exception) -> Response[str]:
        # The database dropped the connection (failover, restart, killed backend) or the pool ran dry:
        # the transaction rolled back, so the client may retry (with its clientOrderId/idempotency key).
        logger.warning("database unavailable", extra={"error": type(exc).__name__})
        return error_response(ServiceUnavailableError())

    app.exception_handler(CastleError)(castle_error)
    app.exception_handler([psycopg.OperationalError, PoolTimeout])(unavailable)
    app.exception_handler(ValidationError)(bad_model)
    app.exception_handler(json.JSONDecodeError)(bad_json)
    app.not_found(not_found)
