"""The pure market data core: kline bars, the L2 book's U/u rules, aggregate trades, the ticker."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from castle.marketdata.book import DepthDiff, DepthGapError, L2Book, merge_diffs
from castle.marketdata.intervals import KLINE_INTERVALS, close_time, open_time
from castle.marketdata.klines import apply_trade
from castle.marketdata.streams import InvalidStreamError, parse_stream
from castle.marketdata.ticker import rolling_ticker
from castle.marketdata.trades import PublicTrade, aggregate

D = Decimal
MONDAY_2024_01_01 = 1_704_067_200_000


def trade(
    trade_id: int, price: str, qty: str, time: int, *, taker: int = 1, buyer_maker: bool = False
) -> PublicTrade:
    return PublicTrade("BTCUSDT", trade_id, D(price), D(qty), D(price) * D(qty), time, buyer_maker, taker)


def test_weekly_bars_open_on_monday_and_monthly_bars_on_the_first() -> None:
    wednesday = MONDAY_2024_01_01 + 2 * 86_400_000 + 5
    assert open_time("1w", wednesday) == MONDAY_2024_01_01
    assert open_time("1M", 1_706_745_600_000 + 10 * 86_400_000) == 1_706_745_600_000  # 2024-02-01
    assert close_time("1M", 1_706_745_600_000) == 1_709_251_200_000 - 1  # leap February ends 29th


@given(st.integers(min_value=0, max_value=4_000_000_000_000), st.sampled_from(KLINE_INTERVALS))
def test_every_timestamp_lies_inside_its_bar(ts: int, interval: str) -> None:
    start = open_time(interval, ts)
    assert start <= ts <= close_time(interval, start)


def test_a_bar_keeps_open_high_low_close_and_taker_buy_volume() -> None:
    bar = None
    for t in (trade(1, "10", "1", 0), trade(2, "12", "2", 10, buyer_maker=True), trade(3, "9", "1", 20)):
        bar = apply_trade(bar, "1m", t)
    assert bar is not None
    assert (bar.open, bar.high, bar.low, bar.close) == (D(10), D(12), D(9), D(9))
    assert (bar.volume, bar.trades, bar.taker_buy_volume) == (D(4), 3, D(2))
    assert (bar.first_trade_id, bar.last_trade_id) == (1, 3)


def test_a_trade_in_the_next_minute_starts_a_new_bar() -> None:
    first = apply_trade(None, "1m", trade(1, "10", "1", 59_999))
    second = apply_trade(first, "1m", trade(2, "11", "1", 60_000))
    assert (second.open_time, second.open, second.trades) == (60_000, D(11), 1)


def test_aggregates_group_one_takers_fills_at_one_price_and_time() -> None:
    trades = [
        trade(1, "10", "1", 5, taker=7),
        trade(2, "10", "2", 5, taker=7),
        trade(3, "11", "1", 5, taker=7),
        trade(4, "11", "1", 5, taker=8),
    ]
    assert [(a.agg_id, a.quantity, a.last_trade_id) for a in aggregate(trades)] == [
        (1, D(3), 2),
        (3, D(1), 3),
        (4, D(1), 4),
    ]


def diff(
    first: int,
    last: int,
    bids: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
    asks: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
) -> DepthDiff:
    return DepthDiff(
        "BTCUSDT", first, last, tuple((D(p), D(q)) for p, q in bids), tuple((D(p), D(q)) for p, q in asks)
    )


def test_a_book_sets_and_removes_levels_and_ignores_old_diffs() -> None:
    book = L2Book()
    book.apply(diff(1, 2, bids=[("10", "1"), ("9", "2")], asks=[("11", "1")]))
    assert book.apply(diff(1, 2, bids=[("10", "5")])) is False
    book.apply(diff(3, 3, bids=[("10", "0")]))
    assert book.top_bids() == [(D(9), D(2))]
    assert book.best_ask() == (D(11), D(1))


def test_a_strict_book_refuses_a_diff_after_a_gap() -> None:
    book = L2Book()
    book.apply(diff(1, 2, bids=[("10", "1")]))
    with pytest.raises(DepthGapError):
        book.apply(diff(4, 5, bids=[("10", "2")]))


levels = st.lists(
    st.tuples(st.sampled_from(["9", "10", "11", "12"]), st.sampled_from(["0", "1", "2.5"])), max_size=4
)


@given(st.lists(st.tuples(levels, levels), min_size=1, max_size=8))
def test_merged_diffs_change_a_book_as_the_diffs_one_by_one(
    changes: list[tuple[list[tuple[str, str]], ...]],
) -> None:
    diffs = [diff(i + 1, i + 1, bids=b, asks=a) for i, (b, a) in enumerate(changes)]
    one_by_one, merged = L2Book(), L2Book()
    for d in diffs:
        one_by_one.apply(d)
    combined = merge_diffs(diffs)
    assert combined is not None
    merged.apply(combined)
    assert (merged.bids, merged.asks, merged.last_update_id) == (
        one_by_one.bids,
        one_by_one.asks,
        one_by_one.last_update_id,
    )


def test_the_24h_ticker_covers_only_bars_inside_the_window() -> None:
    now = 2 * 86_400_000
    old = apply_trade(None, "1m", trade(1, "5", "1", now - 86_400_000 - 120_000))
    early = apply_trade(None, "1m", trade(2, "10", "1", now - 3_600_000))
    late = apply_trade(None, "1m", trade(3, "12", "2", now - 60_000))

    ticker = rolling_ticker(
        "BTCUSDT",
        [old, early, late],
        now_ms=now,
        previous_close=old.close,
        last_trade=None,
        best_bid=None,
        best_ask=None,
    )

    assert (ticker.open, ticker.last, ticker.count, ticker.volume) == (D(10), D(12), 2, D(3))
    assert ticker.price_change_percent == D("20.000")
    assert (ticker.first_trade_id, ticker.last_trade_id, ticker.previous_close) == (2, 3, D(5))


@pytest.mark.parametrize(
    "name", ["btcusdt@depth", "btcusdt@depth@100ms", "ethbtc@kline_1M", "btcusdt@depth20@100ms"]
)
def test_binance_stream_names_are_accepted(name: str) -> None:
    assert parse_stream(name).name == name


@pytest.mark.parametrize(
    "name", ["BTCUSDT@depth", "btcusdt@kline_2m", "nope@trade", "btcusdt", "btcusdt@depth7"]
)
def test_other_stream_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidStreamError):
        parse_stream(name)
