"""Public system endpoints: GET /health, GET /api/v3/ping, GET /api/v3/time."""

import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.http import install_error_handlers
from castle.observability import logger, tracer

app = APIGatewayRestResolver()
install_error_handlers(app)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/v3/ping")
def ping() -> dict[str, str]:
    return {}


@app.get("/api/v3/time")
def server_time() -> dict[str, int]:
    return {"serverTime": time.time_ns() // 1_000_000}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
