"""The REST surface of Castle in-process, for the fault and security suites: every API handler called
with API Gateway events, over real PostgreSQL and Redis, moto SQS (the template's OrderQueue) and a
moto Step Functions machine (the template's WithdrawalStateMachine, recorded, not executed), and the
Kinesis consumers fed with engine events.

`open_exchange(database_url)` sets the environment up and yields an `Exchange`; the per-directory
conftests wrap it in fixtures.
"""

import base64
import importlib
import json
import os
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
import psycopg
import pytest
from moto import mock_aws

from castle.adapters import dynamo_connections, dynamo_marketdata, secret_cipher, sqs_commands, wallets_wiring
from castle.adapters.postgres.ledger_store import PostgresLedger, get_ledger
from castle.adapters.postgres.pool import close_pool
from castle.adapters.redis_weights import get_weight_counter
from castle.contracts.events import EngineEvent
from castle.domain.money import to_minor
from castle.ledger.models import OrderRecord, OrderRequest
from castle.settings import get_settings
from tests.support.binance_client import BinanceSigner, gateway_event
from tests.support.cognito import cognito_event
from tests.support.engine_tape import EngineTape, kinesis_event
from tests.support.lambda_context import FakeLambdaContext
from tests.support.stepfunctions import state_machine_definition
from tests.support.template_tables import create_table, template

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return json.dumps(self.body)


def invoke(handler: Any, event: dict[str, Any]) -> Answer:
    raw = handler(event, FakeLambdaContext())
    body = json.loads(raw["body"]) if raw.get("body") else None
    headers = {
        **(raw.get("headers") or {}),
        **{k: v[-1] for k, v in (raw.get("multiValueHeaders") or {}).items()},
    }
    return Answer(raw["statusCode"], body, headers)


def _route_pattern(path: str) -> "re.Pattern[str]":
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


@cache
def _routes() -> list[tuple["re.Pattern[str]", str]]:
    """(path pattern, handler "module.function") of every Api event in template.yaml."""
    found = []
    for resource in template()["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        handler = resource["Properties"].get("Handler", "")
        for event in (resource["Properties"].get("Events") or {}).values():
            if event.get("Type") == "Api":
                found.append((_route_pattern(event["Properties"]["Path"]), handler))
    return found


def handler_for(path: str) -> Any:
    """The Lambda handler template.yaml routes `path` to (imported on first use)."""
    bare = path.split("?", 1)[0]
    for pattern, handler in _routes():
        if pattern.match(bare):
            module, function = handler.rsplit(".", 1)
            return getattr(importlib.import_module(module), function)
    raise LookupError(f"no function of the template serves {path}")


def market_handler() -> Any:
    return handler_for("/api/v3/depth")


MARKET_TABLES = ("MarketStateTable", "MarketSeriesTable", "OrderBookDepthTable", "TradeExecutionsTable",
                 "ConnectionsTable")  # fmt: skip


def clear_caches() -> None:
    from account import api as account_api
    from market import api as market_api
    from trading import dependencies

    get_settings.cache_clear()
    secret_cipher.get_secret_cipher.cache_clear()
    sqs_commands.get_sqs_client.cache_clear()
    sqs_commands.get_command_sender.cache_clear()
    get_weight_counter.cache_clear()
    dependencies.clear_caches()
    account_api.get_api_key_store.cache_clear()
    wallets_wiring.clear_caches()
    dynamo_marketdata.dynamodb.cache_clear()
    dynamo_connections.connections.cache_clear()
    market_api.store.cache_clear()


def _order_queue_attributes() -> dict[str, str]:
    properties: dict[str, Any] = template()["Resources"]["OrderQueue"]["Properties"]
    names = ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
    return {
        name: str(properties[name]).lower() if isinstance(properties[name], bool) else str(properties[name])
        for name in names
        if name in properties
    }


@dataclass
class Exchange:
    database_url: str
    sqs: "SQSClient"
    queue_url: str
    ledger: PostgresLedger

    # ---- users and credentials ------------------------------------------------------------------

    def user(self, prefix: str = "user", **funds: str) -> str:
        """A fresh user, its account and deposits: user(USDT="1000", BTC="1")."""
        user_id = f"{prefix}-{secrets.token_hex(6)}"
        self.ledger.ensure_account(user_id, f"{user_id}@example.com")
        for asset, amount in funds.items():
            tx_id = f"{prefix}-deposit-{user_id}-{asset}"
            self.ledger.credit_deposit(tx_id, user_id, asset, to_minor(amount))
        return user_id

    def account_call(self, method: str, path: str, user_id: str, body: Any = None) -> Answer:
        return invoke(handler_for(path), cognito_event(method, path, user_id, body))

    def api_key(self, user_id: str, permissions: Sequence[str] = ("read", "trade")) -> BinanceSigner:
        created = self.account_call("POST", "/v1/api-keys", user_id, {"permissions": list(permissions)})
        assert created.status == 201, created.body
        return BinanceSigner(api_key=created.body["apiKey"], secret=created.body["secretKey"])

    def signed(
        self, signer: BinanceSigner, method: str, path: str, params: Any = (), **kwargs: Any
    ) -> Answer:
        return invoke(handler_for(path), signer.event(method, path, params, **kwargs))

    def public(self, path: str, query: str = "") -> Answer:
        return invoke(market_handler(), gateway_event("GET", path, query=query))

    # ---- the engine side ------------------------------------------------------------------------

    def commands(self) -> list[dict[str, Any]]:
        """Take every message off the order queue, bodies decoded."""
        found: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return found
            for message in messages:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                found.append(json.loads(message["Body"]))

    def place(
        self, user_id: str, side: str, price: str, quantity: str, client_order_id: str | None = None
    ) -> OrderRecord:
        """Reserve a LIMIT GTC order straight in the ledger (order row + hold)."""
        return self.ledger.reserve_order(
            OrderRequest(
                user_id=user_id,
                symbol="BTCUSDT",
                side="BUY" if side == "BUY" else "SELL",
                order_type="LIMIT",
                client_order_id=client_order_id or f"c-{uuid.uuid4().hex[:20]}",
                created_at_ms=1_700_000_000_000,
                time_in_force="GTC",
                price=Decimal(price),
                quantity=Decimal(quantity),
            )
        )

    def tape(self, symbol: str = "BTCUSDT") -> EngineTape:
        """An engine tape that continues after every seq any consumer has seen for the symbol."""
        with psycopg.connect(self.database_url) as conn:
            row = conn.execute(
                "SELECT coalesce(max(last_seq), 0) FROM consumer_progress WHERE symbol = %s", (symbol,)
            ).fetchone()
        return EngineTape(symbol, first_seq=int(row[0] if row else 0) + 1 + 1000)

    def settle(self, events: Sequence[EngineEvent]) -> list[str]:
        """Deliver the events to the settlement and positions consumers; failed record ids."""
        from positions.consume import handler as positions
        from settlement.consume import handler as settlement

        event = kinesis_event(events)
        failed = [f["itemIdentifier"] for f in settlement(event, FakeLambdaContext())["batchItemFailures"]]
        failed += [f["itemIdentifier"] for f in positions(event, FakeLambdaContext())["batchItemFailures"]]
        return failed


@contextmanager
def open_exchange(database_url: str) -> Iterator[Exchange]:
    """The environment the API functions run in, with moto for AWS; restored afterwards."""
    with pytest.MonkeyPatch.context() as env, mock_aws():
        env.setenv("CASTLE_API_KEY_LOCAL_CIPHER_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
        env.delenv("CASTLE_API_KEY_KMS_KEY_ID", raising=False)
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        env.setenv("CASTLE_ORDER_RESULT_WAIT_MS", "0")
        # The suites send thousands of requests from one address within a minute.
        env.setenv("CASTLE_REQUEST_WEIGHT_PER_MINUTE", str(10**9))
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(
            QueueName=f"castle-faults-{secrets.token_hex(4)}.fifo",
            Attributes=_order_queue_attributes(),  # type: ignore[arg-type]
        )["QueueUrl"]
        env.setenv("CASTLE_ORDER_QUEUE_URL", queue_url)
        definition, _ = state_machine_definition("WithdrawalStateMachine")
        machine = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name=f"withdrawal-{secrets.token_hex(4)}",
            definition=definition,
            roleArn="arn:aws:iam::123456789012:role/castle-local-states",
        )["stateMachineArn"]
        env.setenv("CASTLE_WITHDRAWAL_STATE_MACHINE_ARN", machine)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for logical_id in MARKET_TABLES:
            create_table(dynamodb, logical_id)
        clear_caches()
        try:
            yield Exchange(database_url, sqs, queue_url, get_ledger())
        finally:
            clear_caches()
            close_pool()
