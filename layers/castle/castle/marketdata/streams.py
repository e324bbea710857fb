"""Binance stream names: `<symbol>@<kind>` with a lowercase symbol, parsed and validated."""

from dataclasses import dataclass

from castle.domain.markets import MARKETS
from castle.marketdata.intervals import KLINE_INTERVALS

PARTIAL_DEPTH_LEVELS = (5, 10, 20)
SIMPLE_KINDS = frozenset({"trade", "aggTrade", "ticker", "miniTicker", "bookTicker", "depth", "depth@100ms"})
USER_STREAM_PREFIX = "user#"


class InvalidStreamError(ValueError):
    """Not a stream name Castle serves."""


@dataclass(frozen=True, slots=True)
class StreamName:
    symbol: str  # upper case, as listed
    kind: str  # e.g. "depth@100ms", "kline_1m", "depth5"

    @property
    def name(self) -> str:
        return f"{self.symbol.lower()}@{self.kind}"


def parse_stream(name: str) -> StreamName:
    if not isinstance(name, str) or "@" not in name or len(name) > 64:
        raise InvalidStreamError(f"Invalid stream name: {str(name)[:64]}")
    symbol_part, kind = name.split("@", 1)
    if symbol_part != symbol_part.lower() or symbol_part.upper() not in MARKETS:
        raise InvalidStreamError(f"Invalid symbol in stream: {name}")
    if kind in SIMPLE_KINDS or _is_kline(kind) or _is_partial_depth(kind):
        return StreamName(symbol=symbol_part.upper(), kind=kind)
    raise InvalidStreamError(f"Invalid stream name: {name}")


def _is_kline(kind: str) -> bool:
    return kind.startswith("kline_") and kind.removeprefix("kline_") in KLINE_INTERVALS


def _is_partial_depth(kind: str) -> bool:
    levels = kind.removesuffix("@100ms").removeprefix("depth")
    return kind.startswith("depth") and levels.isdigit() and int(levels) in PARTIAL_DEPTH_LEVELS


def stream_names(symbol: str) -> list[str]:
    """Every public stream of a symbol (what the broadcaster may have to serve)."""
    base = symbol.lower()
    kinds = [
        *sorted(SIMPLE_KINDS),
        *(f"kline_{i}" for i in KLINE_INTERVALS),
        *(f"depth{n}" for n in PARTIAL_DEPTH_LEVELS),
        *(f"depth{n}@100ms" for n in PARTIAL_DEPTH_LEVELS),
    ]
    return [f"{base}@{kind}" for kind in kinds]


def user_stream(user_id: str) -> str:
    return f"{USER_STREAM_PREFIX}{user_id}"


def topic_of(stream: str) -> str:
    """What a stream is about: the symbol of a market stream ("btcusdt" for "btcusdt@depth5"), or
    the user stream itself. The broadcaster reads the subscribers of a whole topic at once."""
    return stream.split("@", 1)[0]
