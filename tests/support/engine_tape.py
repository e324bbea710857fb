"""Engine events as the engine host publishes them, and Kinesis events that carry them.

`EngineTape(symbol)` numbers events with the symbol's seq like the engine does; `kinesis_event(...)`
wraps them as the Lambda Kinesis trigger delivers them (base64 data, partition key = symbol).
"""

import base64
import itertools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from castle.contracts.commands import Side
from castle.contracts.events import (
    EngineEvent,
    OrderAccepted,
    OrderDone,
    OrderFinalStatus,
    OrderRejected,
    OrderTriggered,
    Trade,
    encode_event,
)
from castle.ledger.models import OrderRecord

# Trade ids are unique per symbol on the engine; tapes share one counter so tests never collide.
_TRADE_IDS = itertools.count(1)


class EngineTape:
    def __init__(self, symbol: str, first_seq: int = 1, ts_ms: int = 1_700_000_000_000) -> None:
        self.symbol = symbol
        self.seq = first_seq - 1
        self.ts_ms = ts_ms

    def _next(self) -> dict[str, Any]:
        self.seq += 1
        self.ts_ms += 1
        return {"symbol": self.symbol, "seq": self.seq, "ts_ms": self.ts_ms}

    def accepted(self, order: OrderRecord) -> OrderAccepted:
        return OrderAccepted(
            **self._next(),
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            user_id=order.user_id,
            side=order.side,
            order_type=order.order_type,
            time_in_force=order.time_in_force,
        )

    def trade(
        self,
        maker: OrderRecord,
        taker: OrderRecord,
        price: str,
        quantity: str,
        taker_side: Side | None = None,
    ) -> Trade:
        p, q = Decimal(price), Decimal(quantity)
        return Trade(
            **self._next(),
            trade_id=next(_TRADE_IDS),
            price=p,
            quantity=q,
            quote_quantity=(p * q).quantize(Decimal("1E-8")),
            maker_order_id=maker.order_id,
            taker_order_id=taker.order_id,
            maker_user_id=maker.user_id,
            taker_user_id=taker.user_id,
            taker_side=taker_side or taker.side,
        )

    def done(
        self,
        order: OrderRecord,
        status: OrderFinalStatus,
        executed: str = "0",
        cumulative_quote: str = "0",
    ) -> OrderDone:
        return OrderDone(
            **self._next(),
            order_id=order.order_id,
            user_id=order.user_id,
            status=status,
            executed_quantity=Decimal(executed),
            cumulative_quote_quantity=Decimal(cumulative_quote),
        )

    def rejected(self, order: OrderRecord, reason: str) -> OrderRejected:
        return OrderRejected(
            **self._next(),
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            user_id=order.user_id,
            reason=reason,
        )

    def triggered(self, order: OrderRecord) -> OrderTriggered:
        return OrderTriggered(**self._next(), order_id=order.order_id, user_id=order.user_id)


def kinesis_record(data: bytes, partition_key: str, sequence_number: int) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": f"{sequence_number:056d}",
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": 1_700_000_000.0,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence_number:056d}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/castle-settlement",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/castle-dev-engine-events",
    }


def kinesis_event(events: Iterable[object], first_sequence_number: int = 1) -> dict[str, Any]:
    """A Kinesis trigger event; raw bytes are passed through as-is (to build poison records)."""
    records = []
    for number, event in enumerate(events, start=first_sequence_number):
        if isinstance(event, bytes):
            records.append(kinesis_record(event, "POISON", number))
        else:
            engine_event = cast(EngineEvent, event)
            records.append(kinesis_record(encode_event(engine_event).encode(), engine_event.symbol, number))
    return {"Records": records}
