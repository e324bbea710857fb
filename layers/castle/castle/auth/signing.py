"""Binance request signing (HMAC-SHA256), pure: no clock, no database.

The signature covers the query string concatenated with the body, exactly as the client sent them,
minus the `signature` parameter itself. API Gateway REST (v1) events carry the query string already
decoded into a map, so when no raw query string is available we rebuild it the ways Binance clients
encode it (urlencode with `+`, with `%20`, or not at all) and accept any that matches.
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, quote, quote_plus

from castle.errors import (
    BadRequestError,
    InvalidSignatureError,
    InvalidTimestampError,
    MandatoryParameterError,
)

SIGNATURE = "signature"
DEFAULT_RECV_WINDOW_MS = Decimal(5000)
MAX_RECV_WINDOW_MS = Decimal(60000)
# Timestamps above this are microseconds (Binance accepts both).
_MICROSECOND_THRESHOLD = 10**14


def sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def strip_signature(raw: str) -> str:
    """The raw form string without its `signature=...` pair(s), other bytes untouched."""
    if not raw:
        return ""
    kept = [part for part in raw.split("&") if part.split("=", 1)[0] != SIGNATURE]
    return "&".join(kept)


def query_string_candidates(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """The encodings Binance clients use for a query string, from already-decoded pairs in order."""
    items = list(pairs)
    candidates = [
        "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items),
        "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in items),
        "&".join(f"{k}={v}" for k, v in items),
    ]
    return list(dict.fromkeys(candidates))


def verify_signature(secret: str, signature: str, query_candidates: list[str], body: str) -> None:
    """Raise InvalidSignatureError unless one candidate query string + body signs to `signature`.

    HMAC signatures are compared case-insensitively, as Binance does.
    """
    wanted = signature.lower()
    unsigned_body = strip_signature(body)
    for query in query_candidates:
        expected = sign(secret, strip_signature(query) + unsigned_body)
        if hmac.compare_digest(expected, wanted):
            return
    raise InvalidSignatureError()


def merge_params(query_pairs: list[tuple[str, str]], body: str) -> dict[str, str]:
    """One parameter map: query string and form body; a name sent twice in one part is refused,
    a name in both parts takes the query string's value (Binance's rule)."""
    merged: dict[str, str] = {}
    for part in (_decode_form(body), query_pairs):
        seen: set[str] = set()
        for key, value in part:
            if key in seen:
                raise BadRequestError("Duplicate values for a parameter detected.")
            seen.add(key)
            merged[key] = value
    return merged


def _decode_form(body: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequestError("Illegal characters found in the request body.") from exc


def check_timestamp(params: Mapping[str, str], now_ms: int) -> None:
    """Binance's timing security: timestamp < now + 1s and now - timestamp <= recvWindow."""
    timestamp_ms = _timestamp_ms(params.get("timestamp"))
    recv_window = _recv_window_ms(params.get("recvWindow"))
    if timestamp_ms >= now_ms + 1000:
        raise InvalidTimestampError("Timestamp for this request was 1000ms ahead of the server's time.")
    if now_ms - timestamp_ms > recv_window:
        raise InvalidTimestampError()


def _timestamp_ms(raw: str | None) -> Decimal:
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise MandatoryParameterError(
            "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."
        )
    value = int(raw)
    return Decimal(value) / 1000 if value >= _MICROSECOND_THRESHOLD else Decimal(value)


def _recv_window_ms(raw: str | None) -> Decimal:
    if raw is None:
        return DEFAULT_RECV_WINDOW_MS
    try:
        value = Decimal(raw) if raw.isascii() and len(raw) <= 20 else Decimal("NaN")
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -3:  # type: ignore[operator]
        raise MandatoryParameterError(
            "Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed."
        )
    if value > MAX_RECV_WINDOW_MS:
        raise MandatoryParameterError("'recvWindow' contains unexpected value. Cannot be greater than 60000.")
    return value
