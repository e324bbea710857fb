"""Existing Binance Spot client libraries, unchanged, against `castle up`: only the base URL differs.

python-binance: `Client(key, secret, ping=False)`, then `client.API_URL = <stack>/api` (its documented
way to point at another endpoint, as for the testnet; `MARGIN_API_URL = <stack>/sapi` for the fee
rates), then `ping()`.
ccxt: `ccxt.binance` with every `urls['api']` host replaced by the stack; margin pairs and the
currencies list (SAPI endpoints, outside the Spot API) switched off by its own options.

Each test uses fresh traders, so balances are exact; each test that moves money ends with the
ledger's conservation check."""

import re
import time
from decimal import Decimal
from typing import Any

import ccxt  # type: ignore[import-untyped]
import httpx
import pytest
from binance.client import Client  # type: ignore[import-untyped]

from castle.domain.markets import market
from tests.e2e.conftest import RunningStack
from tests.e2e.traders import Trader, fee, new_trader, poll, price_inside_spread
from tests.support.conservation import assert_conserved

SYMBOL = "BTCUSDT"
CCXT_SYMBOL = "BTC/USDT"
QUANTITY = Decimal("0.01")
FUNDS = {"BTC": Decimal(1), "USDT": Decimal(10_000)}
FALLBACK_PRICE = Decimal("60000")


def python_binance(stack: RunningStack, trader: Trader) -> Any:
    client = Client(trader.api_key, trader.secret, ping=False)
    client.API_URL = f"{stack.url}/api"
    client.MARGIN_API_URL = f"{stack.url}/sapi"  # only for get_trade_fee (/sapi/v1/asset/tradeFee)
    client.ping()
    return client


def ccxt_binance(stack: RunningStack, trader: Trader) -> Any:
    exchange = ccxt.binance(
        {
            "apiKey": trader.api_key,
            "secret": trader.secret,
            "timeout": 15_000,
            "options": {
                "fetchCurrencies": False,
                "fetchMargins": False,
                "fetchMarkets": {"types": ["spot"]},
            },
        }
    )
    exchange.urls["api"] = {
        name: re.sub(r"^https://[a-z0-9.-]+\.binance\.com", stack.url, url)
        for name, url in exchange.urls["api"].items()
    }
    return exchange


@pytest.fixture
def stack(local_stack: RunningStack) -> RunningStack:
    return local_stack


@pytest.fixture
def price(stack: RunningStack) -> Decimal:
    return price_inside_spread(stack, SYMBOL, FALLBACK_PRICE)


def trader(stack: RunningStack) -> Trader:
    return new_trader(stack, FUNDS, "client")


def ticker_last_price(stack: RunningStack) -> Decimal:
    answer = httpx.get(f"{stack.url}/api/v3/ticker/price", params={"symbol": SYMBOL}, timeout=15).json()
    return Decimal(answer["price"])


# ---- python-binance ---------------------------------------------------------------------------------


def test_python_binance_pings_and_reads_the_symbol_filters_from_exchange_info(stack: RunningStack) -> None:
    client = python_binance(stack, trader(stack))
    info = client.get_symbol_info(SYMBOL)
    filters = {f["filterType"]: f for f in info["filters"]}
    assert (info["baseAsset"], info["quoteAsset"], info["status"]) == ("BTC", "USDT", "TRADING")
    assert Decimal(filters["PRICE_FILTER"]["tickSize"]) == market(SYMBOL).tick_size
    assert Decimal(filters["LOT_SIZE"]["stepSize"]) == market(SYMBOL).lot_size
    assert Decimal(filters["NOTIONAL"]["minNotional"]) == market(SYMBOL).min_notional
    assert {"LIMIT", "MARKET"} <= set(info["orderTypes"])
    assert abs(client.get_server_time()["serverTime"] - time.time_ns() // 1_000_000) < 5_000


def test_python_binance_limit_buy_locks_quote_rests_in_the_book_and_cancels(
    stack: RunningStack, price: Decimal
) -> None:
    client = python_binance(stack, trader(stack))
    hold = price * QUANTITY + fee(price * QUANTITY, SYMBOL)

    order = client.order_limit_buy(symbol=SYMBOL, quantity=f"{QUANTITY:f}", price=f"{price:f}")

    assert order["status"] == "NEW"
    usdt = client.get_asset_balance(asset="USDT")
    assert (Decimal(usdt["free"]), Decimal(usdt["locked"])) == (FUNDS["USDT"] - hold, hold)
    assert [o["orderId"] for o in client.get_open_orders(symbol=SYMBOL)] == [order["orderId"]]
    poll(
        lambda: client.get_order_book(symbol=SYMBOL, limit=10)["bids"],
        lambda bids: [f"{price:.8f}", f"{QUANTITY:.8f}"] in bids,
        "the bid in the book",
    )

    cancelled = client.cancel_order(symbol=SYMBOL, orderId=order["orderId"])

    assert cancelled["status"] == "CANCELED"
    assert client.get_open_orders(symbol=SYMBOL) == []
    usdt = poll(
        lambda: client.get_asset_balance(asset="USDT"),
        lambda b: Decimal(b["locked"]) == 0,
        "the hold released",
    )
    assert Decimal(usdt["free"]) == FUNDS["USDT"]
    assert_conserved(stack.database_url)


def test_python_binance_market_buy_fills_against_a_resting_sell_and_shows_in_trades_ticker_and_klines(
    stack: RunningStack, price: Decimal
) -> None:
    maker, taker = python_binance(stack, trader(stack)), python_binance(stack, trader(stack))
    notional = price * QUANTITY
    ask = maker.order_limit_sell(symbol=SYMBOL, quantity=f"{QUANTITY:f}", price=f"{price:f}")

    bought = taker.order_market_buy(symbol=SYMBOL, quantity=f"{QUANTITY:f}")

    assert bought["status"] == "FILLED"
    assert Decimal(bought["executedQty"]) == QUANTITY
    assert Decimal(bought["cummulativeQuoteQty"]) == notional
    [fill] = bought["fills"]
    assert (Decimal(fill["price"]), Decimal(fill["qty"])) == (price, QUANTITY)
    assert (Decimal(fill["commission"]), fill["commissionAsset"]) == (fee(notional, SYMBOL), "USDT")
    [maker_trade] = maker.get_my_trades(symbol=SYMBOL)
    [taker_trade] = taker.get_my_trades(symbol=SYMBOL)
    assert maker_trade["id"] == taker_trade["id"] == fill["tradeId"]
    assert (maker_trade["orderId"], maker_trade["isMaker"], maker_trade["isBuyer"]) == (
        ask["orderId"],
        True,
        False,
    )
    assert (taker_trade["orderId"], taker_trade["isMaker"], taker_trade["isBuyer"]) == (
        bought["orderId"],
        False,
        True,
    )
    usdt = poll(
        lambda: taker.get_asset_balance(asset="USDT"),
        lambda b: Decimal(b["locked"]) == 0,
        "the market buy's unused hold released",
    )
    assert Decimal(usdt["free"]) == FUNDS["USDT"] - notional - fee(notional, SYMBOL)
    assert Decimal(taker.get_asset_balance(asset="BTC")["free"]) == FUNDS["BTC"] + QUANTITY
    poll(lambda: ticker_last_price(stack), lambda last: last == price, "the trade in the ticker")
    assert Decimal(maker.get_ticker(symbol=SYMBOL)["lastPrice"]) == price
    assert Decimal(maker.get_klines(symbol=SYMBOL, interval="1m", limit=1)[-1][4]) == price
    assert Decimal(maker.get_recent_trades(symbol=SYMBOL, limit=1)[-1]["price"]) == price
    assert_conserved(stack.database_url)


def test_python_binance_reads_the_trade_fee_rates_of_a_symbol(stack: RunningStack) -> None:
    client = python_binance(stack, trader(stack))
    rate = Decimal(market(SYMBOL).taker_fee_bps) / 10_000

    [rates] = client.get_trade_fee(symbol=SYMBOL)

    assert rates["symbol"] == SYMBOL
    assert Decimal(rates["makerCommission"]) == Decimal(rates["takerCommission"]) == rate


# ---- ccxt -------------------------------------------------------------------------------------------


def test_ccxt_loads_markets_with_castle_precision_limits_and_fees(stack: RunningStack) -> None:
    exchange = ccxt_binance(stack, trader(stack))

    markets = exchange.load_markets()

    assert {"BTC/USDT", "ETH/USDT", "ETH/BTC"} <= set(markets)
    btc = markets[CCXT_SYMBOL]
    assert (btc["id"], btc["spot"], btc["active"]) == (SYMBOL, True, True)
    assert Decimal(str(btc["precision"]["price"])) == market(SYMBOL).tick_size
    assert Decimal(str(btc["precision"]["amount"])) == market(SYMBOL).lot_size
    assert Decimal(str(btc["limits"]["cost"]["min"])) == market(SYMBOL).min_notional
    assert Decimal(str(btc["taker"])) == Decimal(market(SYMBOL).taker_fee_bps) / 10_000
    assert abs(exchange.fetch_time() - exchange.milliseconds()) < 5_000


def test_ccxt_limit_sell_locks_base_shows_in_the_book_and_open_orders_until_cancelled(
    stack: RunningStack, price: Decimal
) -> None:
    exchange = ccxt_binance(stack, trader(stack))
    exchange.load_markets()

    order = exchange.create_order(CCXT_SYMBOL, "limit", "sell", float(QUANTITY), float(price))

    assert order["status"] == "open"
    assert Decimal(str(exchange.fetch_balance()["BTC"]["used"])) == QUANTITY
    assert [o["id"] for o in exchange.fetch_open_orders(CCXT_SYMBOL)] == [order["id"]]
    poll(
        lambda: exchange.fetch_order_book(CCXT_SYMBOL, 10)["asks"],
        lambda asks: [float(price), float(QUANTITY)] in asks,
        "the ask in the book",
    )

    cancelled = exchange.cancel_order(order["id"], CCXT_SYMBOL)

    assert cancelled["status"] == "canceled"
    assert exchange.fetch_open_orders(CCXT_SYMBOL) == []
    assert exchange.fetch_order(order["id"], CCXT_SYMBOL)["status"] == "canceled"
    btc = poll(lambda: exchange.fetch_balance()["BTC"], lambda b: b["used"] == 0, "the base hold released")
    assert Decimal(str(btc["free"])) == FUNDS["BTC"]
    assert_conserved(stack.database_url)


def test_ccxt_market_buy_fills_against_a_resting_sell_and_shows_in_trades_balances_ticker_and_ohlcv(
    stack: RunningStack, price: Decimal
) -> None:
    maker, taker = ccxt_binance(stack, trader(stack)), ccxt_binance(stack, trader(stack))
    notional = price * QUANTITY
    ask = maker.create_order(CCXT_SYMBOL, "limit", "sell", float(QUANTITY), float(price))

    bought = taker.create_order(CCXT_SYMBOL, "market", "buy", float(QUANTITY))

    assert (bought["status"], bought["filled"], bought["average"]) == (
        "closed",
        float(QUANTITY),
        float(price),
    )
    assert bought["fee"] == {"currency": "USDT", "cost": float(fee(notional, SYMBOL))}
    [maker_trade] = maker.fetch_my_trades(CCXT_SYMBOL)
    [taker_trade] = taker.fetch_my_trades(CCXT_SYMBOL)
    assert maker_trade["id"] == taker_trade["id"]
    assert (maker_trade["order"], maker_trade["side"], maker_trade["takerOrMaker"]) == (
        ask["id"],
        "sell",
        "maker",
    )
    assert (taker_trade["order"], taker_trade["side"], taker_trade["takerOrMaker"]) == (
        bought["id"],
        "buy",
        "taker",
    )
    assert maker_trade["fee"] == {"currency": "USDT", "cost": float(fee(notional, SYMBOL))}
    assert maker.fetch_order(ask["id"], CCXT_SYMBOL)["status"] == "closed"
    maker_usdt = poll(
        lambda: maker.fetch_balance()["USDT"],
        lambda b: Decimal(str(b["free"])) == FUNDS["USDT"] + notional - fee(notional, SYMBOL),
        "the seller's proceeds",
    )
    assert maker_usdt["used"] == 0
    assert Decimal(str(maker.fetch_balance()["BTC"]["total"])) == FUNDS["BTC"] - QUANTITY
    poll(lambda: ticker_last_price(stack), lambda last: last == price, "the trade in the ticker")
    assert maker.fetch_ticker(CCXT_SYMBOL)["last"] == float(price)
    assert maker.fetch_ohlcv(CCXT_SYMBOL, "1m", limit=1)[-1][4] == float(price)
    assert_conserved(stack.database_url)


def test_ccxt_cancel_all_orders_cancels_every_open_order_and_releases_the_holds(
    stack: RunningStack, price: Decimal
) -> None:
    exchange = ccxt_binance(stack, trader(stack))
    exchange.load_markets()
    tick = market(SYMBOL).tick_size
    for offset in (0, 1):
        exchange.create_order(CCXT_SYMBOL, "limit", "sell", float(QUANTITY), float(price + offset * tick))

    cancelled = exchange.cancel_all_orders(CCXT_SYMBOL)

    assert sorted(o["status"] for o in cancelled) == ["canceled", "canceled"]
    assert exchange.fetch_open_orders(CCXT_SYMBOL) == []
    btc = poll(lambda: exchange.fetch_balance()["BTC"], lambda b: b["used"] == 0, "the base holds released")
    assert Decimal(str(btc["free"])) == FUNDS["BTC"]
    assert_conserved(stack.database_url)


def test_ccxt_fetches_the_trading_fees_of_every_market(stack: RunningStack) -> None:
    exchange = ccxt_binance(stack, trader(stack))
    exchange.load_markets()

    fees = exchange.fetch_trading_fees()

    assert {"BTC/USDT", "ETH/USDT", "ETH/BTC"} <= set(fees)
    rate = float(Decimal(market(SYMBOL).taker_fee_bps) / 10_000)
    assert (fees[CCXT_SYMBOL]["maker"], fees[CCXT_SYMBOL]["taker"]) == (rate, rate)
    assert exchange.fetch_trading_fee(CCXT_SYMBOL)["taker"] == rate
