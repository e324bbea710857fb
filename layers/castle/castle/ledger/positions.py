"""Positions from fills, average-cost method. Pure.

A position is the base quantity a user bought through trades and still holds, its cost basis (what
was paid, buy fees included) and the PnL realized by selling it (proceeds net of sell fees minus the
cost of what was sold). Selling more than the position (coins deposited rather than bought) realizes
nothing for the excess: the position floors at zero.
"""

from dataclasses import dataclass, replace

from castle.contracts.events import Trade
from castle.domain.markets import market
from castle.domain.money import to_minor
from castle.ledger.rules import fill_for


@dataclass(frozen=True, slots=True)
class PositionState:
    quantity: int = 0
    cost_basis: int = 0
    realized_pnl: int = 0


def buy(position: PositionState, quantity: int, cost: int) -> PositionState:
    return replace(position, quantity=position.quantity + quantity, cost_basis=position.cost_basis + cost)


def sell(position: PositionState, quantity: int, proceeds: int) -> PositionState:
    sold = min(quantity, position.quantity)
    if sold == 0:
        return position
    cost_removed = position.cost_basis * sold // position.quantity
    proceeds_of_sold = proceeds * sold // quantity
    return PositionState(
        quantity=position.quantity - sold,
        cost_basis=position.cost_basis - cost_removed,
        realized_pnl=position.realized_pnl + proceeds_of_sold - cost_removed,
    )


def trade_sides(event: Trade) -> tuple[tuple[str, int, int], tuple[str, int, int]]:
    """((buyer, quantity, cost incl. fee), (seller, quantity, proceeds net of fee)) of one trade."""
    buyer, seller = (
        (event.taker_user_id, event.maker_user_id)
        if event.taker_side == "BUY"
        else (event.maker_user_id, event.taker_user_id)
    )
    quantity, quote = to_minor(event.quantity), to_minor(event.quote_quantity)
    fill = fill_for(market(event.symbol), buyer, seller, event.taker_side, quantity, quote)
    return (buyer, quantity, quote + fill.buyer_fee), (seller, quantity, quote - fill.seller_fee)


def apply_trade(positions: dict[tuple[str, str], PositionState], event: Trade) -> set[tuple[str, str]]:
    """Move the buyer's and the seller's positions; returns the (user, symbol) keys changed."""
    (buyer, quantity, cost), (seller, _, proceeds) = trade_sides(event)
    buyer_key, seller_key = (buyer, event.symbol), (seller, event.symbol)
    positions[buyer_key] = buy(positions.get(buyer_key, PositionState()), quantity, cost)
    positions[seller_key] = sell(positions.get(seller_key, PositionState()), quantity, proceeds)
    return {buyer_key, seller_key}
