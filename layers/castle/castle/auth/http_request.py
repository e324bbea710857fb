"""The parts of an API Gateway (REST proxy) event that a Binance signature covers."""

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from castle.auth.signed_request import HttpRequestParts
from castle.errors import BadRequestError


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _body(event: Mapping[str, Any]) -> str:
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise BadRequestError("Illegal characters found in the request body.")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise BadRequestError("Illegal characters found in the request body.") from exc
    return body


def request_parts(event: Mapping[str, Any]) -> HttpRequestParts:
    """Query pairs in their arrival order (multiValueQueryStringParameters keeps repeats), the raw
    query string when the gateway provides one (`rawQueryString`, as the local gateway does), the
    body text, the X-MBX-APIKEY header and the caller's IP as API Gateway saw it."""
    pairs: list[tuple[str, str]] = []
    multi = event.get("multiValueQueryStringParameters") or {}
    single = event.get("queryStringParameters") or {}
    for name, values in (multi or {k: [v] for k, v in single.items()}).items():
        pairs.extend((str(name), str(v)) for v in (values or []))
    raw_query = event.get("rawQueryString")
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return HttpRequestParts(
        api_key=_header(event.get("headers"), "X-MBX-APIKEY"),
        query_pairs=pairs,
        raw_query=raw_query if isinstance(raw_query, str) else None,
        body=_body(event),
        source_ip=identity.get("sourceIp"),
    )
