"""Kinesis consumer of engine events: builds trades, klines, tickers, the book and per-order
executions in DynamoDB, exactly once per (symbol, seq). Partial batch responses: a failed record
and every later record of its symbol are retried; redelivered records change nothing."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.dynamo_marketdata import DynamoExecutions, DynamoMarketData
from castle.contracts.events import decode_event
from castle.marketdata.consumer import MarketDataConsumer
from castle.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


class EarlierRecordFailedError(Exception):
    """A previous record of the same symbol failed in this batch: keep per-symbol order."""


class _Batch:
    def __init__(self) -> None:
        self.consumer = MarketDataConsumer(DynamoMarketData.from_settings(), DynamoExecutions.from_settings())
        self.failed_partitions: set[str] = set()
        self.applied = 0

    def handle(self, record: KinesisStreamRecord) -> None:
        partition = record.kinesis.partition_key
        if partition in self.failed_partitions:
            raise EarlierRecordFailedError(partition)
        try:
            event = decode_event(record.kinesis.data_as_bytes())
            logger.append_keys(symbol=event.symbol, seq=event.seq)
            self.applied += int(self.consumer.apply(event))
        except Exception:
            self.failed_partitions.add(partition)
            raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    batch = _Batch()
    try:
        response = process_partial_response(
            event=event, record_handler=batch.handle, processor=processor, context=context
        )
    finally:
        # What was applied is saved even when every record failed (the exception retries the rest).
        batch.consumer.save()
    metrics.add_metric(name="EngineEventsApplied", unit="Count", value=batch.applied)
    return response
