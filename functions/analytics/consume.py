"""Kinesis consumer of the engine events stream: counts every trade into the hourly aggregates.

Each record is applied in its own transaction, idempotent per (symbol, seq), so a redelivered batch
(retry, bisect on error) never counts a trade twice; failed records are reported back (partial batch
response) and Lambda retries from the first of them.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.postgres.analytics_store import apply_trades
from castle.contracts.events import Trade, decode_event
from castle.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


def record_handler(record: KinesisStreamRecord) -> None:
    event = decode_event(record.kinesis.data_as_bytes())
    if not isinstance(event, Trade):
        return
    if apply_trades([event]):
        metrics.add_metric(name="AnalyticsTradesCounted", unit="Count", value=1)
    else:
        logger.info("trade already counted", extra={"symbol": event.symbol, "seq": event.seq})


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
