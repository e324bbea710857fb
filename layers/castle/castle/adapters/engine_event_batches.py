"""Kinesis batches of engine events -> a batch-applying consumer, with partial batch failure.

Settlement and positions apply a whole batch in one transaction (throughput), yet report failures per
record: an undecodable record fails itself; an event the consumer cannot apply fails itself and the
later events of its symbol (the consumer keeps per-symbol order). Powertools then reports the failed
sequence numbers, so Lambda retries from the first of them and redelivered events are skipped by seq.
"""

from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from castle.contracts.events import EngineEvent, decode_event
from castle.ledger.models import SettlementOutcome
from castle.observability import logger

ApplyEvents = Callable[[Sequence[EngineEvent]], SettlementOutcome]


class UnsettledRecordError(Exception):
    """This record was not applied (poison, or behind a poison record of the same symbol)."""


def apply_kinesis_batch(
    event: dict[str, Any], context: LambdaContext, apply: ApplyEvents
) -> tuple[PartialItemFailureResponse, SettlementOutcome]:
    records = [KinesisStreamRecord(raw) for raw in event.get("Records", [])]
    failed: set[str] = set()
    decoded: list[tuple[str, EngineEvent]] = []
    for record in records:
        sequence_number = record.kinesis.sequence_number
        try:
            decoded.append((sequence_number, decode_event(record.kinesis.data_as_bytes())))
        except (ValidationError, ValueError):
            failed.add(sequence_number)
    try:
        outcome = apply([engine_event for _, engine_event in decoded])
    except Exception:  # the whole batch rolled back (database down, ...): every record is retried
        logger.exception("engine event batch not applied", extra={"records": len(decoded)})
        failed.update(sequence_number for sequence_number, _ in decoded)
        outcome = SettlementOutcome(0, 0, frozenset())
    else:
        for key, reason in outcome.errors.items():
            logger.error(
                "engine event not applied", extra={"symbol": key[0], "seq": key[1], "reason": reason}
            )
        failed.update(
            sequence_number
            for sequence_number, engine_event in decoded
            if (engine_event.symbol, engine_event.seq) in outcome.failed
        )

    def report(record: KinesisStreamRecord) -> None:
        if record.kinesis.sequence_number in failed:
            raise UnsettledRecordError(record.kinesis.sequence_number)

    processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=report, processor=processor, context=context
    )
    return response, outcome
