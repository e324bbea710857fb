"""A strict reader for the replay file's commonest line shapes, in exactly the compact layout that
`castle_engine.workload` writes:

    {"op":"limit","id":"42","user":"u1","side":"buy","price":"100.01","qty":"0.5","tif":"GTC"}
    {"op":"market","id":"43","user":"u2","side":"sell","qty":"1.2"}
    {"op":"cancel","id":"42"}

Decoding such a line with a JSON library builds a dict and seven strings, then looks each field up
again; reading the bytes in place builds only the user's string. A line is accepted only if it is
byte for byte one of these shapes with plain values: ASCII digits for the id, printable ASCII without
quotes or backslashes for the user, buy/sell, GTC/IOC/FOK, decimals as digits with at most one point
and DECIMALS places, on the tick or lot. parse() then reports what a JSON decoder and the general
conversion would have made of it; anything else (other spacing or key order, escapes, extra fields,
an off-tick price, an empty user...) is left to them, so their checks and error messages apply.
"""

from sys import intern
from typing import Final

from mypy_extensions import i64

from castle_engine.codes import BUY, FOK, GTC, IOC, SELL

NOT_CANONICAL: Final = 0
LIMIT_LINE: Final = 1
MARKET_LINE: Final = 2
CANCEL_LINE: Final = 3

DECIMALS: Final = 8
_MAX_WHOLE_DIGITS: Final = 10  # whole * 10**8 stays a native (unboxed) int
_MAX_ID_DIGITS: Final = 18

_LIMIT: Final = b'{"op":"limit","id":"'
_MARKET: Final = b'{"op":"market","id":"'
_CANCEL: Final = b'{"op":"cancel","id":"'
_USER: Final = b'","user":"'
_SIDE: Final = b'","side":"'
_PRICE: Final = b'","price":"'
_QTY: Final = b'","qty":"'
_TIF: Final = b'","tif":"'
_END: Final = b'"}'

_QUOTE: Final = 34
_BACKSLASH: Final = 92
_DOT: Final = 46
_ZERO: Final = 48
_NINE: Final = 57
_NEWLINE: Final = 10


class CanonicalLine:
    """Reads lines; after parse() accepts one, its fields hold the line's values (prices and
    quantities in steps of the tick and lot)."""

    order_id: int
    user: str
    side: int
    price: int
    quantity: int
    time_in_force: int

    def __init__(self, tick_units: int, lot_units: int) -> None:
        self.tick_units = tick_units
        self.lot_units = lot_units
        self.order_id = 0
        self.user = ""
        self.side = BUY
        self.price = 0
        self.quantity = 0
        self.time_in_force = GTC
        # End of the last value read by a helper, or -1 when the bytes did not fit.
        self._end: i64 = 0
        # User bytes -> the interned user string (see parse).
        self._users: dict[bytes, str] = {}

    def parse(self, raw: bytes) -> int:
        """LIMIT_LINE, MARKET_LINE or CANCEL_LINE when `raw` (with or without its newline) is exactly
        such a line, its fields then set; NOT_CANONICAL otherwise."""
        size: i64 = len(raw)
        if size > 0 and raw[size - 1] == _NEWLINE:
            size -= 1
        kind = LIMIT_LINE
        pos = _literal(raw, 0, _LIMIT)
        if pos < 0:
            kind = MARKET_LINE
            pos = _literal(raw, 0, _MARKET)
            if pos < 0:
                kind = CANCEL_LINE
                pos = _literal(raw, 0, _CANCEL)
                if pos < 0:
                    return NOT_CANONICAL
        order_id = self._id(raw, pos)
        pos = self._end
        if pos < 0:
            return NOT_CANONICAL
        if kind == CANCEL_LINE:
            if _literal(raw, pos, _END) != size:
                return NOT_CANONICAL
            self.order_id = order_id
            return kind
        pos = _literal(raw, pos, _USER)
        if pos < 0:
            return NOT_CANONICAL
        user_end = _plain_text_end(raw, pos)
        if user_end <= pos:
            return NOT_CANONICAL
        user_start = pos
        pos = _literal(raw, user_end, _SIDE)
        if pos < 0:
            return NOT_CANONICAL
        side = SELL
        side_end = _literal(raw, pos, b'sell"')
        if side_end < 0:
            side = BUY
            side_end = _literal(raw, pos, b'buy"')
            if side_end < 0:
                return NOT_CANONICAL
        pos = side_end - 1  # back on the closing quote, which the next key starts with
        price = 0
        if kind == LIMIT_LINE:
            price = self._field_steps(raw, pos, _PRICE, self.tick_units)
            pos = self._end
            if pos < 0:
                return NOT_CANONICAL
        quantity = self._field_steps(raw, pos, _QTY, self.lot_units)
        pos = self._end
        if pos < 0:
            return NOT_CANONICAL
        tif = GTC
        if kind == LIMIT_LINE:
            pos = _literal(raw, pos, _TIF)
            if pos < 0:
                return NOT_CANONICAL
            tif = _tif(raw, pos)
            if tif < 0:
                return NOT_CANONICAL
            pos += 3
        if _literal(raw, pos, _END) != size:
            return NOT_CANONICAL
        self.order_id = order_id
        # Interned, so that all of a user's orders share one string: the engine then compares and
        # copies a user (cancel's owner check, a trade's maker) without touching a string object of
        # its own in another part of the heap.
        user_bytes = raw[user_start:user_end]
        user = self._users.get(user_bytes)
        if user is None:
            user = intern(user_bytes.decode("ascii"))
            self._users[user_bytes] = user
        self.user = user
        self.side = side
        self.price = price
        self.quantity = quantity
        self.time_in_force = tif
        return kind

    def _id(self, raw: bytes, pos: i64) -> int:
        """The decimal digits at `pos` up to a quote; self._end = the quote's index, or -1."""
        size: i64 = len(raw)
        value = 0
        i = pos
        while i < size and i - pos <= _MAX_ID_DIGITS:
            byte = raw[i]
            if byte == _QUOTE:
                self._end = i if i > pos else -1
                return value
            if byte < _ZERO or byte > _NINE:
                break
            value = value * 10 + (byte - _ZERO)
            i += 1
        self._end = -1
        return 0

    def _field_steps(self, raw: bytes, pos: i64, key: bytes, step_units: int) -> int:
        """The positive decimal value of the field `key` at `pos`, in steps; self._end = the index
        of its closing quote, or -1."""
        start = _literal(raw, pos, key)
        if start < 0:
            self._end = -1
            return 0
        steps = self._steps(raw, start, step_units)
        if steps <= 0:
            self._end = -1
        return steps

    def _steps(self, raw: bytes, pos: i64, step_units: int) -> int:
        """The decimal at `pos` up to a quote, in steps of `step_units` (10**-8 units each); self._end
        = the quote's index, or -1 if it is not plain digits, has more than 8 places, or is off the
        step."""
        size: i64 = len(raw)
        whole = 0
        frac = 0
        frac_digits = -1  # -1 until the point
        i = pos
        while i < size:
            byte = raw[i]
            if byte == _QUOTE:
                break
            if byte == _DOT:
                if frac_digits >= 0 or i == pos:
                    self._end = -1
                    return 0
                frac_digits = 0
            elif _ZERO <= byte <= _NINE:
                if frac_digits < 0:
                    if i - pos >= _MAX_WHOLE_DIGITS:
                        self._end = -1
                        return 0
                    whole = whole * 10 + (byte - _ZERO)
                else:
                    if frac_digits >= DECIMALS:
                        self._end = -1
                        return 0
                    frac = frac * 10 + (byte - _ZERO)
                    frac_digits += 1
            else:
                self._end = -1
                return 0
            i += 1
        if i >= size or i == pos or frac_digits == 0:
            self._end = -1
            return 0
        units = whole * 100_000_000
        if frac_digits > 0:
            units += frac * _POW10[DECIMALS - frac_digits]
        steps = units // step_units
        if steps * step_units != units:
            self._end = -1
            return 0
        self._end = i
        return steps


_POW10: Final[list[int]] = [10**i for i in range(DECIMALS + 1)]


def _literal(raw: bytes, pos: i64, literal: bytes) -> i64:
    """The index after `literal` if `raw` holds it at `pos`, else -1."""
    size: i64 = len(literal)
    if pos < 0 or pos + size > len(raw):
        return -1
    for k in range(size):
        if raw[pos + k] != literal[k]:
            return -1
    return pos + size


def _plain_text_end(raw: bytes, pos: i64) -> i64:
    """The index of the quote ending a string of printable ASCII without escapes, else -1."""
    size: i64 = len(raw)
    i = pos
    while i < size:
        byte = raw[i]
        if byte == _QUOTE:
            return i
        if byte < 32 or byte > 126 or byte == _BACKSLASH:
            return -1
        i += 1
    return -1


def _tif(raw: bytes, pos: i64) -> int:
    if _literal(raw, pos, b'GTC"') > 0:
        return GTC
    if _literal(raw, pos, b'IOC"') > 0:
        return IOC
    if _literal(raw, pos, b'FOK"') > 0:
        return FOK
    return -1
