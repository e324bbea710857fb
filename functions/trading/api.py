"""Binance-compatible SIGNED REST endpoints (/api/v3 TRADE and USER_DATA), HMAC-verified here."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.redis_weights import get_weight_counter
from castle.auth.request_weight import weight_middleware
from castle.http import install_error_handlers
from castle.observability import logger, metrics, tracer
from castle.settings import get_settings
from trading import account_routes, order_routes, spec_routes
from trading.dependencies import now_ms

app = APIGatewayRestResolver()
install_error_handlers(app)
app.use(
    middlewares=[
        weight_middleware(get_weight_counter, lambda: get_settings().request_weight_per_minute, now_ms)
    ]
)
app.include_router(order_routes.router)
app.include_router(account_routes.router)
app.include_router(spec_routes.router)


# Money flow: never capture responses or log events (they carry signatures and balances).
@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
