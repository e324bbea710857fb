"""Binance kline intervals (1s .. 1M) and the UTC open/close time of the bar holding a timestamp."""

from datetime import UTC, datetime

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
# 1970-01-01 was a Thursday; Binance weeks open on Monday 00:00 UTC.
_WEEK_OFFSET_MS = 4 * DAY_MS

FIXED_INTERVALS_MS: dict[str, int] = {
    "1s": SECOND_MS,
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "2h": 2 * HOUR_MS,
    "4h": 4 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "8h": 8 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": DAY_MS,
    "3d": 3 * DAY_MS,
    "1w": WEEK_MS,
}
MONTH = "1M"
KLINE_INTERVALS: tuple[str, ...] = (*FIXED_INTERVALS_MS, MONTH)


class UnknownIntervalError(ValueError):
    """Not one of Binance's kline intervals (they are case-sensitive: 1m is a minute, 1M a month)."""


def open_time(interval: str, ts_ms: int) -> int:
    """Open time (ms) of the `interval` bar that contains `ts_ms`."""
    if interval == MONTH:
        moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
        return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp()) * 1000
    try:
        width = FIXED_INTERVALS_MS[interval]
    except KeyError as exc:
        raise UnknownIntervalError(interval) from exc
    if interval == "1w":
        return (ts_ms - _WEEK_OFFSET_MS) // width * width + _WEEK_OFFSET_MS
    return ts_ms // width * width


def close_time(interval: str, open_ms: int) -> int:
    """Close time (ms, inclusive) of the bar opening at `open_ms`: next open - 1."""
    if interval == MONTH:
        moment = datetime.fromtimestamp(open_ms / 1000, tz=UTC)
        year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
        return int(datetime(year, month, 1, tzinfo=UTC).timestamp()) * 1000 - 1
    if interval not in FIXED_INTERVALS_MS:
        raise UnknownIntervalError(interval)
    return open_ms + FIXED_INTERVALS_MS[interval] - 1
