"""$connect: register the connection. Public streams need no auth. `?streams=a/b/c` subscribes at
connect time with combined payloads (Binance's /stream?streams=...); without it payloads are raw
(/ws/...) until SET_PROPERTY combined."""

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.dynamo_connections import connections
from castle.marketdata.streams import InvalidStreamError, parse_stream
from castle.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = str(event["requestContext"]["connectionId"])
    logger.append_keys(connection_id=connection_id)
    query = event.get("queryStringParameters") or {}
    raw_streams = str(query.get("streams", ""))
    try:
        streams = [parse_stream(name).name for name in raw_streams.split("/") if name]
    except InvalidStreamError as exc:
        logger.info("connection refused", extra={"reason": str(exc)})
        return {"statusCode": 400, "body": str(exc)}
    store = connections()
    store.open(connection_id, now_ms=time.time_ns() // 1_000_000, combined=bool(streams))
    if streams:
        store.subscribe(connection_id, streams)
    return {"statusCode": 200}
