"""$default: every text frame (SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY /
GET_PROPERTY, and WebSocket API methods such as userDataStream.subscribe.signature); the reply is
posted back on the connection."""

import json
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.dynamo_connections import connections
from castle.adapters.postgres.api_key_store import PostgresApiKeyStore
from castle.adapters.postgres.pool import get_pool
from castle.adapters.secret_cipher import get_secret_cipher
from castle.adapters.ws_poster import poster
from castle.marketdata.ports import ConnectionGoneError
from castle.marketdata.ws_auth import SignatureAuthenticator
from castle.marketdata.ws_session import WsSession
from castle.observability import logger, tracer

MAX_FRAME_CHARS = 16_384


@lru_cache(maxsize=1)
def authenticator() -> SignatureAuthenticator:
    return SignatureAuthenticator(PostgresApiKeyStore(get_pool()), get_secret_cipher())


def authenticate(params: Mapping[str, Any], now_ms: int) -> str:
    # The database pool and cipher are built only when a signed method needs them.
    return authenticator()(params, now_ms)


def session() -> WsSession:
    return WsSession(connections(), authenticate)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = str(event["requestContext"]["connectionId"])
    logger.append_keys(connection_id=connection_id)
    body = event.get("body") or ""
    if len(body) > MAX_FRAME_CHARS:
        reply: dict[str, Any] = {"code": 3, "msg": "Invalid JSON: frame too large"}
    else:
        reply = session().handle(connection_id, body, time.time_ns() // 1_000_000)
    try:
        poster().post(connection_id, json.dumps(reply, separators=(",", ":")).encode())
    except ConnectionGoneError:
        connections().close(connection_id)
    return {"statusCode": 200}
