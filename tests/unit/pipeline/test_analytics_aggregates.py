from decimal import Decimal

from castle.analytics.aggregates import HOUR_MS, aggregate, fee_minor, hour_start_ms
from castle.contracts.events import Trade
from tests.support.contract_events import a_trade

T0 = 1_700_000_000_000 - 1_700_000_000_000 % HOUR_MS  # an hour start


def trade(
    seq: int,
    price: str,
    qty: str,
    ts_ms: int = T0,
    maker: str = "m",
    taker: str = "t",
    symbol: str = "BTCUSDT",
) -> Trade:
    return a_trade(seq=seq, price=price, qty=qty, ts_ms=ts_ms, maker=maker, taker=taker, symbol=symbol)


def test_candle_open_and_close_follow_engine_sequence_not_arrival_order() -> None:
    arrivals = [trade(3, "102", "1"), trade(1, "100", "1"), trade(2, "105", "1"), trade(4, "99", "1")]
    result = aggregate(arrivals)
    candle = result.candles[("BTCUSDT", T0)]
    assert (candle.open, candle.high, candle.low, candle.close) == (
        Decimal(100),
        Decimal(105),
        Decimal(99),
        Decimal(99),
    )
    assert candle.trade_count == 4
    assert candle.base_volume_minor == 4 * 10**8
    assert candle.quote_volume_minor == 406 * 10**8


def test_trades_in_different_hours_make_different_candles() -> None:
    result = aggregate([trade(1, "100", "1"), trade(2, "101", "1", ts_ms=T0 + HOUR_MS)])
    assert set(result.candles) == {("BTCUSDT", T0), ("BTCUSDT", T0 + HOUR_MS)}


def test_hour_start_floors_to_the_hour() -> None:
    assert hour_start_ms(T0 + HOUR_MS - 1) == T0
    assert hour_start_ms(T0 + HOUR_MS) == T0 + HOUR_MS


def test_fee_is_floored_per_fill_like_the_ledger() -> None:
    assert fee_minor(9_999, 10) == 9
    assert fee_minor(10_000, 10) == 10


def test_maker_and_taker_each_pay_their_fee_in_the_quote_asset() -> None:
    result = aggregate([trade(1, "30000.01", "0.0123")])  # quote 369.000123 USDT
    quote_minor = 36_900_012_300
    maker = result.user_volumes[("m", "BTCUSDT", T0)]
    taker = result.user_volumes[("t", "BTCUSDT", T0)]
    assert maker.fee_minor == taker.fee_minor == quote_minor * 10 // 10_000
    assert (maker.maker_trades, maker.taker_trades, taker.maker_trades, taker.taker_trades) == (1, 0, 0, 1)
    revenue = result.fees[("BTCUSDT", T0)]
    assert revenue.asset == "USDT"
    assert revenue.fee_minor == maker.fee_minor + taker.fee_minor


def test_self_trade_counts_both_sides_for_the_one_user() -> None:
    result = aggregate([trade(1, "100", "1", maker="u", taker="u")])
    volume = result.user_volumes[("u", "BTCUSDT", T0)]
    assert (volume.base_volume_minor, volume.maker_trades, volume.taker_trades) == (2 * 10**8, 1, 1)


def test_fee_revenue_equals_the_sum_of_user_fees() -> None:
    trades = [trade(i, "100.01", "0.0007", maker=f"u{i % 3}", taker=f"u{i % 5}") for i in range(1, 50)]
    result = aggregate(trades)
    assert sum(f.fee_minor for f in result.fees.values()) == sum(
        u.fee_minor for u in result.user_volumes.values()
    )


def test_aggregating_in_two_halves_and_merging_equals_aggregating_at_once() -> None:
    trades = [trade(i, str(100 + (i * 7) % 13), "0.5") for i in range(1, 30)]
    whole = aggregate(trades)
    first, second = aggregate(trades[15:]), aggregate(trades[:15])
    for key, candle in second.candles.items():
        first.candles[key].merge(candle)
    assert first.candles == whole.candles
