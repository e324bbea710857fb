"""The replay's in-place reader of canonical lines accepts a line only when it reads it exactly as
the JSON decoder plus the general conversion would, and leaves every other line to them."""

import sys
from decimal import Decimal
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from castle_engine.canonical_line import (
    CANCEL_LINE,
    LIMIT_LINE,
    MARKET_LINE,
    NOT_CANONICAL,
    CanonicalLine,
)
from castle_engine.codes import MARKET
from castle_engine.replay_core import Replayer

from .conftest import ENGINE_SETTINGS

TICK = Decimal("0.01")
LOT = Decimal("0.0001")
LIMIT = b'{"op":"limit","id":"42","user":"u1","side":"buy","price":"100.01","qty":"0.5","tif":"GTC"}\n'

USERS = st.text(st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters='"\\'), min_size=1)
DECIMALS = st.tuples(st.integers(0, 10**9), st.integers(0, 10**8 - 1), st.integers(0, 8)).map(
    lambda t: str(t[0]) if t[2] == 0 else f"{t[0]}.{str(t[1]).zfill(8)[: t[2]]}"
)


def _reader() -> CanonicalLine:
    replayer = _replayer()
    return CanonicalLine(replayer.tick_units, replayer.lot_units)


def _replayer() -> Replayer:
    return Replayer("BTCUSDT", TICK, LOT, compiled=False)


def _general(raw: bytes) -> tuple[Any, ...]:
    """What the JSON decoder and the general conversion make of a limit or market line."""
    line = orjson.loads(raw)
    order = _replayer().order_of(line, line["op"])
    price = order.price if order.order_type != MARKET else 0
    return (order.order_id, order.user_id, order.side, price, order.quantity)


def _fast(reader: CanonicalLine) -> tuple[Any, ...]:
    return (reader.order_id, reader.user, reader.side, reader.price, reader.quantity)


@given(
    order_id=st.integers(0, 10**18 - 1),
    user=USERS,
    side=st.sampled_from(["buy", "sell"]),
    price=DECIMALS,
    qty=DECIMALS,
    tif=st.sampled_from(["GTC", "IOC", "FOK"]),
    market=st.booleans(),
)
@ENGINE_SETTINGS
def test_a_canonical_line_reads_as_the_json_decoder_and_the_general_conversion_read_it(
    order_id: int, user: str, side: str, price: str, qty: str, tif: str, market: bool
) -> None:
    head = f'{{"op":"{"market" if market else "limit"}","id":"{order_id}","user":"{user}","side":"{side}",'
    tail = f'"qty":"{qty}"}}' if market else f'"price":"{price}","qty":"{qty}","tif":"{tif}"}}'
    raw = (head + tail + "\n").encode()
    reader = _reader()

    kind = reader.parse(raw)

    if kind == NOT_CANONICAL:  # only a zero or off-step value is left to the general path
        assert (
            Decimal(qty) % LOT != 0
            or Decimal(qty) == 0
            or (not market and (Decimal(price) % TICK != 0 or Decimal(price) == 0))
        )
        return
    assert kind == (MARKET_LINE if market else LIMIT_LINE)
    assert _fast(reader) == _general(raw)


def test_a_canonical_cancel_line_gives_its_order_id() -> None:
    reader = _reader()

    assert reader.parse(b'{"op":"cancel","id":"0042"}\n') == CANCEL_LINE
    assert reader.order_id == 42


def test_lines_outside_the_canonical_layout_are_left_to_the_json_decoder() -> None:
    reader = _reader()
    variants = [
        LIMIT.replace(b'","user"', b'", "user"'),  # other spacing
        LIMIT.replace(b'"side":"buy",', b"").replace(b'"tif":"GTC"', b'"tif":"GTC","side":"buy"'),
        LIMIT.replace(b"u1", b"u\\u0031"),  # an escape
        LIMIT.replace(b'"GTC"}', b'"GTC","stp":"EXPIRE_TAKER"}'),  # an extra field
        LIMIT.replace(b'"buy"', b'"BUY"'),
        LIMIT.replace(b"100.01", b"100.010000001"),  # 9 places
        LIMIT.replace(b"100.01", b"100.001"),  # off the tick
        LIMIT.replace(b"100.01", b"100."),
        LIMIT.replace(b"100.01", b".5"),
        LIMIT.replace(b"100.01", b"1e2"),
        LIMIT.replace(b"100.01", b"0.00"),
        LIMIT.replace(b'"u1"', b'""'),  # no user
        LIMIT.replace(b'"42"', b"42"),  # a number, not a string
        LIMIT.replace(b"\n", b"\r\n"),
        LIMIT.replace(b"}\n", b"} \n"),
        LIMIT[:-10],
        b'{"op":"cancel","id":""}',
        b"",
    ]

    assert [reader.parse(raw) for raw in variants] == [NOT_CANONICAL] * len(variants)
    assert reader.parse(LIMIT) == LIMIT_LINE


@given(position=st.integers(0, len(LIMIT) - 2), byte=st.integers(0, 255))
@ENGINE_SETTINGS
def test_a_line_with_any_one_byte_changed_is_read_as_the_json_decoder_reads_it_or_left_to_it(
    position: int, byte: int
) -> None:
    raw = LIMIT[:position] + bytes([byte]) + LIMIT[position + 1 :]
    reader = _reader()

    if reader.parse(raw) == NOT_CANONICAL:
        return
    assert _fast(reader) == _general(raw)


def test_all_lines_of_one_user_share_one_interned_user_string() -> None:
    reader = _reader()
    users = []
    for raw in (LIMIT, LIMIT.replace(b'"42"', b'"43"')):
        assert reader.parse(raw) == LIMIT_LINE
        users.append(reader.user)
    assert users[0] is users[1] is sys.intern("u1")
    general = orjson.loads(LIMIT)
    assert _replayer().order_of(general, "limit").user_id is users[0]
