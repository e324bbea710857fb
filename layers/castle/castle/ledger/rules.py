"""Which postings a hold, a fill, a fee, a release, a deposit and a withdrawal produce. Pure.

A posting moves an integer amount of minor units of one asset into (positive) or out of (negative)
one bucket ("available" or "held") of one account. Every entry's postings sum to zero per asset.
Fees are charged in the quote asset on both sides: fee = floor(quote * bps / 10000).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from castle.contracts.commands import OrderType, Side
from castle.domain.markets import Market
from castle.domain.money import MINOR_UNITS_PER_UNIT

Bucket = Literal["available", "held"]

FEE_ACCOUNT = "fee"
EXTERNAL_DEPOSITS_ACCOUNT = "external:deposits"
EXTERNAL_WITHDRAWALS_ACCOUNT = "external:withdrawals"
BPS_DENOMINATOR = 10_000

# Simulated chain watcher: a deposit is credited once it has this many confirmations.
REQUIRED_CONFIRMATIONS: dict[str, int] = {"BTC": 2, "ETH": 12, "USDT": 12}
DEFAULT_REQUIRED_CONFIRMATIONS = 6


class LedgerRuleError(ValueError):
    """An operation the ledger rules refuse (unpriceable hold, over-consumed hold, ...)."""


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    asset: str
    bucket: Bucket
    amount: int


def user_account(user_id: str) -> str:
    return f"user:{user_id}"


def required_confirmations(asset: str) -> int:
    return REQUIRED_CONFIRMATIONS.get(asset, DEFAULT_REQUIRED_CONFIRMATIONS)


def fee(quote_minor: int, fee_bps: int) -> int:
    return quote_minor * fee_bps // BPS_DENOMINATOR


def max_fee_bps(market: Market) -> int:
    return max(market.maker_fee_bps, market.taker_fee_bps)


def notional(price_minor: int, quantity_minor: int) -> int:
    """Quote minor units of price * quantity, rounded up (exact for on-tick, on-lot orders)."""
    return -(-price_minor * quantity_minor // MINOR_UNITS_PER_UNIT)


def budget_cap(hold_minor: int, fee_bps: int) -> int:
    """The largest quote amount q with q + fee(q) <= hold: what a MARKET BUY may spend."""
    cap = hold_minor * BPS_DENOMINATOR // (BPS_DENOMINATOR + fee_bps)
    while cap + 1 + fee(cap + 1, fee_bps) <= hold_minor:
        cap += 1
    return cap


@dataclass(frozen=True, slots=True)
class HoldPlan:
    """How much of which asset an order holds. `whole_available`: hold all the user has (a MARKET BUY
    by quantity, a MARKET SELL by quote amount); the amount is then known only inside the transaction.
    """

    asset: str
    amount_minor: int
    whole_available: bool = False
    # The quote amount sent to the engine as `quote_quantity` (None: the order has no quote amount).
    engine_quote_minor: int | None = None


def order_hold(
    market: Market,
    side: Side,
    order_type: OrderType,
    price_minor: int | None,
    quantity_minor: int | None,
    quote_quantity_minor: int | None,
) -> HoldPlan:
    """Buys hold quote (price * qty + the maximum fee), sells hold base quantity."""
    bps = max_fee_bps(market)
    if side == "SELL":
        if quantity_minor is not None:
            return HoldPlan(market.base_asset, quantity_minor, engine_quote_minor=quote_quantity_minor)
        if order_type == "MARKET" and quote_quantity_minor is not None:
            return HoldPlan(
                market.base_asset, 0, whole_available=True, engine_quote_minor=quote_quantity_minor
            )
        raise LedgerRuleError("a sell order needs a quantity")
    if order_type == "MARKET":
        if quote_quantity_minor is not None:
            return HoldPlan(
                market.quote_asset,
                quote_quantity_minor + fee(quote_quantity_minor, bps),
                engine_quote_minor=quote_quantity_minor,
            )
        if quantity_minor is not None:
            return HoldPlan(market.quote_asset, 0, whole_available=True)
        raise LedgerRuleError("a market order needs a quantity or a quote order quantity")
    if price_minor is None or quantity_minor is None:
        raise LedgerRuleError(f"a {order_type} buy needs a price and a quantity")
    amount = notional(price_minor, quantity_minor)
    return HoldPlan(market.quote_asset, amount + fee(amount, bps))


def hold_postings(user_id: str, asset: str, amount: int) -> list[Posting]:
    account = user_account(user_id)
    return [Posting(account, asset, "available", -amount), Posting(account, asset, "held", amount)]


def release_postings(user_id: str, asset: str, amount: int) -> list[Posting]:
    account = user_account(user_id)
    return [Posting(account, asset, "held", -amount), Posting(account, asset, "available", amount)]


@dataclass(frozen=True, slots=True)
class Fill:
    """The money of one trade: who pays what, in minor units."""

    buyer_id: str
    seller_id: str
    base_asset: str
    quote_asset: str
    quantity: int
    quote: int
    buyer_fee: int
    seller_fee: int

    @property
    def buyer_debit(self) -> int:
        """What leaves the buyer's quote hold."""
        return self.quote + self.buyer_fee


def fill_for(
    market: Market, buyer_id: str, seller_id: str, taker_side: Side, quantity: int, quote: int
) -> Fill:
    buyer_bps = market.taker_fee_bps if taker_side == "BUY" else market.maker_fee_bps
    seller_bps = market.taker_fee_bps if taker_side == "SELL" else market.maker_fee_bps
    return Fill(
        buyer_id=buyer_id,
        seller_id=seller_id,
        base_asset=market.base_asset,
        quote_asset=market.quote_asset,
        quantity=quantity,
        quote=quote,
        buyer_fee=fee(quote, buyer_bps),
        seller_fee=fee(quote, seller_bps),
    )


def fill_postings(fill: Fill) -> list[Posting]:
    """Buyer: quote hold -(quote + fee), base +qty. Seller: base hold -qty, quote +(quote - fee).
    Fee account: +both fees."""
    buyer, seller = user_account(fill.buyer_id), user_account(fill.seller_id)
    postings = [
        Posting(buyer, fill.quote_asset, "held", -fill.buyer_debit),
        Posting(buyer, fill.base_asset, "available", fill.quantity),
        Posting(seller, fill.base_asset, "held", -fill.quantity),
        Posting(seller, fill.quote_asset, "available", fill.quote - fill.seller_fee),
    ]
    if fill.buyer_fee + fill.seller_fee:
        postings.append(Posting(FEE_ACCOUNT, fill.quote_asset, "available", fill.buyer_fee + fill.seller_fee))
    return postings


def deposit_postings(user_id: str, asset: str, amount: int) -> list[Posting]:
    return [
        Posting(EXTERNAL_DEPOSITS_ACCOUNT, asset, "available", -amount),
        Posting(user_account(user_id), asset, "available", amount),
    ]


def withdrawal_postings(user_id: str, asset: str, amount: int, fee_minor: int) -> list[Posting]:
    """The withdrawal's hold leaves the user: amount - fee to the outside world, fee to the house."""
    if not 0 <= fee_minor <= amount:
        raise LedgerRuleError("the withdrawal fee must be between zero and the amount")
    postings = [
        Posting(user_account(user_id), asset, "held", -amount),
        Posting(EXTERNAL_WITHDRAWALS_ACCOUNT, asset, "available", amount - fee_minor),
    ]
    if fee_minor:
        postings.append(Posting(FEE_ACCOUNT, asset, "available", fee_minor))
    return postings


def imbalance(postings: Iterable[Posting]) -> dict[str, int]:
    """Per asset, what the postings do not balance by (empty when the entry is balanced)."""
    totals: dict[str, int] = defaultdict(int)
    for posting in postings:
        totals[posting.asset] += posting.amount
    return {asset: total for asset, total in totals.items() if total}


def is_balanced(postings: Iterable[Posting]) -> bool:
    return not imbalance(postings)
