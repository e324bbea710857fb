"""Admin analytics endpoints (Cognito group `admin`): GET /v1/admin/analytics/{ohlcv,volume,fees}.

Times are epoch milliseconds (startTime inclusive, endTime exclusive; default the last 24 hours);
amounts are decimal strings, as everywhere at Castle's edge.
"""

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from castle.adapters.postgres import analytics_store
from castle.adapters.postgres.analytics_store import TimeRange
from castle.auth.cognito import user_id_from_claims
from castle.domain.money import format_minor
from castle.errors import ForbiddenError, MandatoryParameterError
from castle.http import install_error_handlers
from castle.observability import logger, tracer

ADMIN_GROUP = "admin"
DAY_MS = 86_400_000

app = APIGatewayRestResolver()
install_error_handlers(app)


class AnalyticsQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    symbol: str | None = None
    user_id: str | None = Field(default=None, alias="userId")
    start_time: int | None = Field(default=None, alias="startTime", ge=0)
    end_time: int | None = Field(default=None, alias="endTime", ge=0)

    def period(self) -> TimeRange:
        end = self.end_time if self.end_time is not None else time.time_ns() // 1_000_000
        start = self.start_time if self.start_time is not None else end - DAY_MS
        return TimeRange(_at(start), _at(end))


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def groups_of(claims: dict[str, Any]) -> set[str]:
    """cognito:groups arrives as a list, or flattened by API Gateway to "a,b" or "[a, b]"."""
    raw = claims.get("cognito:groups", [])
    if isinstance(raw, list):
        return {str(group) for group in raw}
    return {part.strip() for part in str(raw).strip("[]").replace(",", " ").split() if part.strip()}


def _query() -> AnalyticsQuery:
    # Authenticated first (401 without a verified sub), then authorized (403 outside the group).
    user_id_from_claims(app.current_event.raw_event.get("requestContext"))
    claims = (app.current_event.request_context.authorizer.raw_event or {}).get("claims") or {}
    if ADMIN_GROUP not in groups_of(claims):
        raise ForbiddenError("Admin group required.")
    return AnalyticsQuery.model_validate(app.current_event.query_string_parameters or {})


@app.get("/v1/admin/analytics/ohlcv")
def ohlcv() -> list[dict[str, Any]]:
    query = _query()
    if not query.symbol:
        raise MandatoryParameterError("Mandatory parameter 'symbol' was not sent.")
    return [
        {
            "symbol": row["symbol"],
            "openTime": _ms(row["hour_start"]),
            "open": f"{row['open']:f}",
            "high": f"{row['high']:f}",
            "low": f"{row['low']:f}",
            "close": f"{row['close']:f}",
            "volume": format_minor(row["base_volume_minor"]),
            "quoteVolume": format_minor(row["quote_volume_minor"]),
            "trades": row["trade_count"],
        }
        for row in analytics_store.candles(query.symbol, query.period())
    ]


@app.get("/v1/admin/analytics/volume")
def volume() -> list[dict[str, Any]]:
    query = _query()
    return [
        {
            "userId": row["user_id"],
            "symbol": row["symbol"],
            "volume": format_minor(row["base_volume_minor"]),
            "quoteVolume": format_minor(row["quote_volume_minor"]),
            "fees": format_minor(row["fee_minor"]),
            "makerTrades": row["maker_trades"],
            "takerTrades": row["taker_trades"],
        }
        for row in analytics_store.user_volumes(query.period(), query.user_id, query.symbol)
    ]


@app.get("/v1/admin/analytics/fees")
def fees() -> list[dict[str, Any]]:
    query = _query()
    return [
        {
            "symbol": row["symbol"],
            "asset": row["asset"],
            "fees": format_minor(row["fee_minor"]),
            "trades": row["trade_count"],
        }
        for row in analytics_store.fee_revenue(query.period(), query.symbol)
    ]


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
