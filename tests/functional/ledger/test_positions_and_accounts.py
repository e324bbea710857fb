from decimal import Decimal

from accounts.post_confirmation import handler as post_confirmation
from positions.consume import handler as positions_consumer

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.ledger.models import OrderRecord, OrderRequest
from tests.functional.ledger.conftest import UserFactory
from tests.support.engine_tape import EngineTape, kinesis_event
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext


def _place(ledger: PostgresLedger, user: str, side: str, price: str, qty: str, client_id: str) -> OrderRecord:
    return ledger.reserve_order(
        OrderRequest(
            user_id=user, symbol="ETHUSDT", side=side, order_type="LIMIT", client_order_id=client_id,  # type: ignore[arg-type]
            created_at_ms=1, time_in_force="GTC", price=Decimal(price), quantity=Decimal(qty),
        )
    )  # fmt: skip


def test_positions_track_average_entry_and_realized_pnl_exactly_once(
    ledger: PostgresLedger, new_user: UserFactory
) -> None:
    alice, bob = new_user(USDT="10000", ETH="1"), new_user(ETH="10", USDT="1000")
    tape = EngineTape("ETHUSDT")
    buy1, sell1 = (
        _place(ledger, alice, "BUY", "100", "1", "b1"),
        _place(ledger, bob, "SELL", "100", "1", "s1"),
    )
    buy2, sell2 = (
        _place(ledger, alice, "BUY", "200", "1", "b2"),
        _place(ledger, bob, "SELL", "200", "1", "s2"),
    )
    batch = kinesis_event([tape.trade(sell1, buy1, "100", "1"), tape.trade(sell2, buy2, "200", "1")])
    positions_consumer(batch, FakeLambdaContext())
    positions_consumer(batch, FakeLambdaContext())
    [position] = ledger.positions(alice)
    assert position.as_dict() == {
        "symbol": "ETHUSDT", "quantity": "2.00000000", "averageEntryPrice": "150.15000000",
        "costBasis": "300.30000000", "realizedPnl": "0.00000000",
    }  # fmt: skip
    sell = _place(ledger, alice, "SELL", "250", "1", "s3")
    bid = _place(ledger, bob, "BUY", "250", "1", "b3")
    positions_consumer(kinesis_event([tape.trade(bid, sell, "250", "1")], 3), FakeLambdaContext())
    [position] = ledger.positions(alice)
    # Sold 1 of 2 at 250 minus 0.25 fee = 249.75; its average cost is 150.15: 99.60 realized.
    assert (position.quantity_minor, position.realized_pnl_minor) == (10**8, 99_60_000_000)


def test_a_confirmed_cognito_user_gets_an_account(ledger: PostgresLedger) -> None:
    event = load_event("accounts/post_confirmation.json")
    assert post_confirmation(event, FakeLambdaContext()) == event
    user_id = event["request"]["userAttributes"]["sub"]
    assert {b.asset for b in ledger.balances(user_id)} >= {"BTC", "ETH", "USDT"}
    ledger.credit_deposit(f"tx-{user_id}", user_id, "USDT", 1)  # the account exists and can be credited
