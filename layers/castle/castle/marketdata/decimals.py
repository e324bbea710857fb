"""Binance's decimal strings: every amount with exactly eight places ("4.00000200")."""

from decimal import Decimal

EIGHT_PLACES = Decimal("0.00000001")
ZERO = Decimal(0)


def fmt(value: Decimal) -> str:
    return f"{value.quantize(EIGHT_PLACES):f}"
