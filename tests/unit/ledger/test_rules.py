from hypothesis import given
from hypothesis import strategies as st

from castle.domain.markets import MARKETS, market
from castle.ledger.rules import (
    budget_cap,
    deposit_postings,
    fee,
    fill_for,
    fill_postings,
    hold_postings,
    imbalance,
    is_balanced,
    max_fee_bps,
    notional,
    order_hold,
    release_postings,
    withdrawal_postings,
)

amounts = st.integers(min_value=1, max_value=10**16)
bps = st.integers(min_value=0, max_value=1_000)
symbols = st.sampled_from(sorted(MARKETS))
sides = st.sampled_from(["BUY", "SELL"])


@given(amounts)
def test_hold_and_release_entries_balance(amount: int) -> None:
    assert is_balanced(hold_postings("u", "USDT", amount))
    assert is_balanced(release_postings("u", "USDT", amount))


@given(symbols, sides, amounts, amounts)
def test_every_fill_entry_balances_per_asset(symbol: str, taker_side: str, quantity: int, quote: int) -> None:
    fill = fill_for(market(symbol), "buyer", "seller", taker_side, quantity, quote)  # type: ignore[arg-type]
    assert imbalance(fill_postings(fill)) == {}


@given(symbols, sides, amounts)
def test_a_self_trade_balances_too(symbol: str, taker_side: str, quote: int) -> None:
    fill = fill_for(market(symbol), "same", "same", taker_side, 5, quote)  # type: ignore[arg-type]
    assert is_balanced(fill_postings(fill))


@given(amounts)
def test_deposit_entries_balance(amount: int) -> None:
    assert is_balanced(deposit_postings("u", "BTC", amount))


@given(amounts, st.data())
def test_withdrawal_entries_balance_for_any_fee_up_to_the_amount(amount: int, data: st.DataObject) -> None:
    withdrawal_fee = data.draw(st.integers(min_value=0, max_value=amount))
    assert is_balanced(withdrawal_postings("u", "ETH", amount, withdrawal_fee))


def test_the_taker_pays_the_taker_fee_and_the_maker_the_maker_fee() -> None:
    btc = market("BTCUSDT")
    fill = fill_for(btc, "b", "s", "BUY", 10**8, 50_000 * 10**8)
    assert fill.buyer_fee == 50 * 10**8
    assert fill.seller_fee == 50 * 10**8
    assert fill.buyer_debit == 50_050 * 10**8


@given(
    price_ticks=st.integers(min_value=1, max_value=10**8),
    fills=st.lists(
        st.tuples(st.integers(min_value=1, max_value=10**4), st.integers(min_value=0, max_value=100)),
        min_size=1,
        max_size=20,
    ),
)
def test_a_buy_hold_covers_all_fills_at_or_below_the_limit_with_their_fees(
    price_ticks: int, fills: list[tuple[int, int]]
) -> None:
    btc = market("BTCUSDT")
    price = price_ticks * 1_000_000  # 0.01 USDT ticks in minor units
    lots = sum(lots for lots, _ in fills)
    quantity = lots * btc.base_minor_per_lot
    plan = order_hold(btc, "BUY", "LIMIT", price, quantity, None)
    spent = 0
    for fill_lots, improvement_ticks in fills:
        fill_price = max(1_000_000, price - improvement_ticks * 1_000_000)
        quote = notional(fill_price, fill_lots * btc.base_minor_per_lot)
        spent += quote + fee(quote, btc.taker_fee_bps)
    assert spent <= plan.amount_minor


def test_a_sell_holds_its_base_quantity() -> None:
    plan = order_hold(market("ETHBTC"), "SELL", "LIMIT", 5_000_000, 3 * 10**8, None)
    assert (plan.asset, plan.amount_minor) == ("ETH", 3 * 10**8)


def test_a_market_buy_by_quote_amount_holds_the_amount_plus_the_maximum_fee() -> None:
    plan = order_hold(market("BTCUSDT"), "BUY", "MARKET", None, None, 100 * 10**8)
    assert (plan.asset, plan.amount_minor, plan.engine_quote_minor) == ("USDT", 100_10_000_000, 100 * 10**8)


def test_a_market_buy_by_quantity_holds_the_whole_available_quote() -> None:
    plan = order_hold(market("BTCUSDT"), "BUY", "MARKET", None, 10**8, None)
    assert plan.whole_available
    assert plan.asset == "USDT"


@given(st.integers(min_value=0, max_value=10**18), bps)
def test_the_budget_cap_is_the_largest_spend_whose_fee_still_fits_the_hold(hold: int, fee_bps: int) -> None:
    cap = budget_cap(hold, fee_bps)
    assert cap + fee(cap, fee_bps) <= hold
    assert cap + 1 + fee(cap + 1, fee_bps) > hold


def test_the_maximum_fee_rate_is_the_larger_of_maker_and_taker() -> None:
    assert max_fee_bps(market("BTCUSDT")) == 10
