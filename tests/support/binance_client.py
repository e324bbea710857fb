"""Signed Binance requests as API Gateway events, signed exactly like python-binance / ccxt do:
parameters urlencoded in order, `timestamp` appended, HMAC-SHA256 hex of (query string + body),
`signature` appended last; the key in the X-MBX-APIKEY header."""

import copy
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from tests.support.events import load_event

Params = Mapping[str, str] | Sequence[tuple[str, str]]


def hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def gateway_event(
    method: str,
    path: str,
    *,
    query: str = "",
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    authorizer: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event, from the events/ sample of the same shape."""
    event = copy.deepcopy(load_event("trading/query_order.json"))
    pairs = parse_qsl(query, keep_blank_values=True)
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    all_headers = {"Host": "api.castle.local", **(headers or {})}
    if body is not None:
        all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    event.update(
        resource=path,
        path=path,
        httpMethod=method,
        headers=all_headers,
        multiValueHeaders={k: [v] for k, v in all_headers.items()},
        queryStringParameters={k: v[-1] for k, v in multi.items()} or None,
        multiValueQueryStringParameters=multi or None,
        body=body,
        isBase64Encoded=False,
    )
    event["requestContext"].update(resourcePath=path, httpMethod=method, path=f"/dev{path}")
    event["requestContext"]["identity"]["sourceIp"] = source_ip
    if authorizer is not None:
        event["requestContext"]["authorizer"] = dict(authorizer)
    return event


@dataclass
class BinanceSigner:
    api_key: str
    secret: str
    source_ip: str = "127.0.0.1"

    def event(
        self,
        method: str,
        path: str,
        params: Params = (),
        *,
        where: Literal["query", "body"] | None = None,
        timestamp_ms: int | None = None,
        recv_window: str | None = None,
        signature: str | None = None,
    ) -> dict[str, Any]:
        """GET parameters go in the query string; POST/DELETE in the form body unless `where` says."""
        items = list(params.items()) if isinstance(params, Mapping) else list(params)
        if recv_window is not None:
            items.append(("recvWindow", recv_window))
        items.append(
            ("timestamp", str(timestamp_ms if timestamp_ms is not None else time.time_ns() // 1_000_000))
        )
        payload = urlencode(items)
        signed = f"{payload}&signature={signature or hmac_hex(self.secret, payload)}"
        in_body = (where or ("query" if method == "GET" else "body")) == "body"
        return gateway_event(
            method,
            path,
            query="" if in_body else signed,
            body=signed if in_body else None,
            headers={"X-MBX-APIKEY": self.api_key},
            source_ip=self.source_ip,
        )
