"""Strict parsing of Binance request parameters (strings in, typed values or a Binance error out).

Pure: never raises anything but castle.errors.CastleError, whatever the input (fuzzed in tests).
"""

import re
import secrets
import string
from collections.abc import Collection, Mapping
from decimal import Decimal

from castle.domain.markets import Market, UnknownSymbolError, market
from castle.errors import (
    BadParameterError,
    BadPrecisionError,
    CastleError,
    InvalidSymbolError,
    MandatoryParameterError,
    UnknownParameterError,
)

# Binance's DECIMAL grammar: no sign, no exponent.
_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_DECIMAL_RANGE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
_SYMBOL = re.compile(r"^[A-Z0-9-_.]{1,20}$")
CLIENT_ORDER_ID_RANGE = r"^[\.A-Z\:/a-z0-9_-]{1,36}$"
_CLIENT_ORDER_ID = re.compile(CLIENT_ORDER_ID_RANGE)
_LONG = re.compile(r"^[0-9]{1,18}$")
_ID_ALPHABET = string.ascii_letters + string.digits


def illegal(name: str, legal_range: str) -> BadParameterError:
    return BadParameterError(
        f"Illegal characters found in parameter '{name}'; legal range is '{legal_range}'."
    )


def missing(name: str) -> MandatoryParameterError:
    return MandatoryParameterError(
        f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def check_known(params: Mapping[str, str], allowed: Collection[str]) -> None:
    unread = [name for name in params if name not in allowed]
    if unread:
        raise UnknownParameterError(
            f"Not all sent parameters were read; read '{len(params) - len(unread)}' parameter(s)"
            f" but was sent '{len(params)}'."
        )


def optional(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return None if value is None or value == "" else value


def required(params: Mapping[str, str], name: str) -> str:
    value = optional(params, name)
    if value is None:
        raise missing(name)
    return value


def parse_symbol(params: Mapping[str, str], name: str = "symbol") -> Market:
    raw = required(params, name)
    if not _SYMBOL.match(raw):
        raise illegal(name, "^[A-Z0-9-_.]{1,20}$")
    try:
        return market(raw)
    except UnknownSymbolError as exc:
        raise InvalidSymbolError() from exc


def parse_optional_symbol(params: Mapping[str, str]) -> Market | None:
    return None if optional(params, "symbol") is None else parse_symbol(params)


def parse_decimal(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = optional(params, name)
    if raw is None:
        return None
    if not raw.isascii() or not _DECIMAL.match(raw):
        raise illegal(name, _DECIMAL_RANGE)
    value = Decimal(raw)
    if value != value.quantize(Decimal("1E-8")):
        raise BadPrecisionError(f"Parameter '{name}' has too much precision.")
    return value


def parse_long(params: Mapping[str, str], name: str) -> int | None:
    raw = optional(params, name)
    if raw is None:
        return None
    if not raw.isascii() or not _LONG.match(raw):
        raise illegal(name, "^[0-9]{1,18}$")
    return int(raw)


def parse_limit(params: Mapping[str, str], default: int = 500, maximum: int = 1000) -> int:
    value = parse_long(params, "limit")
    if value is None:
        return default
    if value < 1 or value > maximum:
        raise BadParameterError(
            f"Illegal characters found in parameter 'limit'; legal range is '1-{maximum}'."
        )
    return value


def parse_enum(
    params: Mapping[str, str], name: str, allowed: Collection[str], error: CastleError
) -> str | None:
    raw = optional(params, name)
    if raw is None:
        return None
    if raw not in allowed:
        raise error
    return raw


def parse_client_order_id(params: Mapping[str, str], name: str) -> str | None:
    if name in params and params[name] == "":
        raise MandatoryParameterError(f"Parameter '{name}' was empty.")
    raw = optional(params, name)
    if raw is None:
        return None
    if not raw.isascii() or not _CLIENT_ORDER_ID.match(raw):
        raise illegal(name, CLIENT_ORDER_ID_RANGE)
    return raw


def new_client_order_id() -> str:
    """Binance-style generated id: 22 random letters and digits."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def parse_bool(params: Mapping[str, str], name: str) -> bool:
    raw = optional(params, name)
    if raw is None:
        return False
    if raw.lower() not in {"true", "false"}:
        raise illegal(name, "^(true|false)$")
    return raw.lower() == "true"
