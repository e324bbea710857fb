"""Exact money: decimal strings at the edges, integer minor units (1e-8 of an asset) inside.

Every asset on Castle has eight decimal places, as on Binance, so one conversion serves all.
"""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

MINOR_UNITS_PER_UNIT = 10**8
_QUANTUM = Decimal(1) / MINOR_UNITS_PER_UNIT


class AmountError(ValueError):
    """An amount that is not a finite, non-negative decimal with at most eight places."""


def parse_decimal(text: str | Decimal) -> Decimal:
    """Parse a decimal string strictly: finite, no exponent tricks that hide precision."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise AmountError(f"not a decimal number: {text!r}") from exc
    if not value.is_finite():
        raise AmountError(f"not a finite number: {text!r}")
    return value


def to_minor(amount: str | Decimal) -> int:
    """Decimal amount -> integer minor units; refuses anything finer than 1e-8."""
    value = parse_decimal(amount)
    minor = value * MINOR_UNITS_PER_UNIT
    if minor != minor.to_integral_value():
        raise AmountError(f"more than 8 decimal places: {amount}")
    return int(minor)


def from_minor(minor: int) -> Decimal:
    """Integer minor units -> Decimal with exactly eight places."""
    return (Decimal(minor) / MINOR_UNITS_PER_UNIT).quantize(_QUANTUM, rounding=ROUND_DOWN)


def format_minor(minor: int) -> str:
    """Integer minor units -> Binance-style decimal string ("0.50000000")."""
    return f"{from_minor(minor):f}"
