"""Messages a WebSocket client sends, in Binance's two dialects.

Stream control (ws-streams.md): {"method": "SUBSCRIBE", "params": ["btcusdt@depth"], "id": 1} ->
{"result": null, "id": 1}; UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY/GET_PROPERTY "combined".
WebSocket API (wsapi.md): userDataStream.subscribe.signature (apiKey + timestamp + HMAC signature
over the sorted params), userDataStream.unsubscribe, session.subscriptions, ping, time ->
{"id": ..., "status": 200, "result": ...} or {"id": ..., "status": 4xx, "error": {"code", "msg"}}.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

from castle.errors import CastleError
from castle.marketdata.ports import ConnectionStore
from castle.marketdata.streams import InvalidStreamError, parse_stream

Json = dict[str, Any]
# (params, now_ms) -> user id; raises CastleError (bad key -2015, bad signature -1022, ...).
Authenticator = Callable[[Mapping[str, Any], int], str]

STREAM_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
MAX_STREAMS_PER_CONNECTION = 1024


class _InvalidRequestError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _valid_id(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return isinstance(value, str) and len(value) <= 36 and value.replace("-", "").isalnum()


class WsSession:
    def __init__(self, connections: ConnectionStore, authenticate: Authenticator | None) -> None:
        self._connections = connections
        self._authenticate = authenticate

    def handle(self, connection_id: str, body: str, now_ms: int) -> Json:
        """The reply to one text frame."""
        try:
            message = json.loads(body)
        except ValueError as exc:
            return {"code": 3, "msg": f"Invalid JSON: {exc}"}
        if not isinstance(message, dict):
            return {"code": 3, "msg": "Invalid JSON: expected an object"}
        request_id = message.get("id")
        method = message.get("method")
        if not _valid_id(request_id):
            return {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer", "id": None}
        if not isinstance(method, str):
            return {"code": 2, "msg": "Invalid request: missing field `method`", "id": request_id}
        params = message.get("params")
        if method in STREAM_METHODS:
            try:
                return {"result": self._stream_method(connection_id, method, params), "id": request_id}
            except _InvalidRequestError as exc:
                return {"code": exc.code, "msg": exc.message, "id": request_id}
        try:
            result = self._api_method(connection_id, method.removeprefix("v3/"), params, now_ms)
        except CastleError as exc:
            return {"id": request_id, "status": exc.status, "error": {"code": exc.code, "msg": exc.message}}
        return {"id": request_id, "status": 200, "result": result}

    # --- stream control ----------------------------------------------------------------------

    def _stream_method(self, connection_id: str, method: str, params: Any) -> Any:
        connections = self._connections
        if method == "LIST_SUBSCRIPTIONS":
            return sorted(connections.streams_of(connection_id))
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            streams = self._streams(params)
            if method == "SUBSCRIBE":
                current = set(connections.streams_of(connection_id))
                if len(current | set(streams)) > MAX_STREAMS_PER_CONNECTION:
                    raise _InvalidRequestError(2, "Invalid request: too many streams")
                connections.subscribe(connection_id, streams)
            else:
                connections.unsubscribe(connection_id, streams)
            return None
        if not isinstance(params, list) or not params or not isinstance(params[0], str):
            raise _InvalidRequestError(2, "Invalid request: property name must be a string")
        if params[0] != "combined":
            raise _InvalidRequestError(0, "Unknown property")
        if method == "GET_PROPERTY":
            return connections.combined(connection_id)
        if len(params) != 2 or not isinstance(params[1], bool):
            raise _InvalidRequestError(1, "Invalid value type: expected Boolean")
        connections.set_combined(connection_id, params[1])
        return None

    @staticmethod
    def _streams(params: Any) -> list[str]:
        if not isinstance(params, list) or not params:
            raise _InvalidRequestError(2, "Invalid request: params must be a list of stream names")
        try:
            return list(dict.fromkeys(parse_stream(name).name for name in params))
        except InvalidStreamError as exc:
            raise _InvalidRequestError(2, f"Invalid request: {exc}") from exc

    # --- WebSocket API -----------------------------------------------------------------------

    def _api_method(self, connection_id: str, method: str, params: Any, now_ms: int) -> Any:
        connections = self._connections
        if params is not None and not isinstance(params, dict):
            raise _BadRequestError("Parameter 'params' must be an object.")
        params = params or {}
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": now_ms}
        if method == "userDataStream.subscribe.signature":
            if self._authenticate is None:
                raise _BadRequestError("User data streams are not available on this connection.")
            user_id = self._authenticate(params, now_ms)
            return {"subscriptionId": connections.subscribe_user(connection_id, user_id)}
        if method == "userDataStream.unsubscribe":
            raw = params.get("subscriptionId")
            if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int)):
                raise _BadRequestError("Parameter 'subscriptionId' must be an integer.")
            connections.unsubscribe_user(connection_id, raw)
            return {}
        if method == "session.subscriptions":
            return [{"subscriptionId": s} for s in connections.user_subscriptions(connection_id)]
        raise _UnknownMethodError(f"Unknown method: {method[:64]}")


class _BadRequestError(CastleError):
    code = -1100


class _UnknownMethodError(CastleError):
    code = -1020
    default_message = "This operation is not supported."
