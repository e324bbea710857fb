"""Decimal strings <-> integer units without Decimal or float (fast enough for the replay loop).

`parse_units("100.01", 8)` is 10001000000: the number of 10**-8 units, exactly; more fractional
digits than `decimals`, signs other than a leading "-", exponents or junk raise ValueError.
"""

_POW10: list[int] = [10**i for i in range(19)]


def parse_units(text: str, decimals: int) -> int:
    dot = text.find(".")
    if dot < 0:
        whole = text
        frac = ""
    else:
        whole = text[:dot]
        frac = text[dot + 1 :]
    negative = whole.startswith("-")
    if negative:
        whole = whole[1:]
    if (not whole and not frac) or len(frac) > decimals:
        # Trailing zeros beyond the precision are harmless ("1.000000000").
        stripped = frac.rstrip("0")
        if (not whole and not frac) or len(stripped) > decimals:
            raise ValueError(f"not a decimal with at most {decimals} places: {text!r}")
        frac = stripped
    if (whole and not whole.isdigit()) or (frac and not frac.isdigit()) or not whole.isascii():
        raise ValueError(f"not a decimal number: {text!r}")
    value = (int(whole) if whole else 0) * _POW10[decimals] + (
        int(frac) * _POW10[decimals - len(frac)] if frac else 0
    )
    return -value if negative else value


def parse_steps(text: str, step_units: int, decimals: int) -> int:
    """`text` as a whole number of steps of `step_units` (10**-decimals units each); ValueError if
    it is not a multiple (a price off the tick, a quantity off the lot)."""
    units = parse_units(text, decimals)
    steps, rest = divmod(units, step_units)
    if rest:
        raise ValueError(f"{text!r} is not a multiple of the step")
    return steps


def format_units(value: int, decimals: int) -> str:
    """10001000000, 8 -> "100.01000000" (always `decimals` places)."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), _POW10[decimals])
    if decimals == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{str(frac).rjust(decimals, '0')}"
