"""Kinesis consumer of engine events that pushes Binance stream frames to WebSocket connections.

Records are handled in order and processing stops at the first failure (the rest of the batch is
reported failed and retried), so depth diffs reach every connection in order and without gaps.
"""

import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.dynamo_connections import connections
from castle.adapters.dynamo_marketdata import DynamoExecutions, DynamoMarketData
from castle.adapters.ws_poster import poster
from castle.contracts.events import decode_event
from castle.marketdata.broadcast import Broadcaster
from castle.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


class EarlierRecordFailedError(Exception):
    """A previous record of this batch failed: later frames wait for its retry."""


def clock_ms() -> int:
    return time.time_ns() // 1_000_000


class _Batch:
    def __init__(self) -> None:
        self.broadcaster = Broadcaster(
            connections=connections(),
            poster=poster(),
            market=DynamoMarketData.from_settings(),
            executions=DynamoExecutions.from_settings(),
            clock_ms=clock_ms,
        )
        self.failed = False

    def handle(self, record: KinesisStreamRecord) -> None:
        if self.failed:
            raise EarlierRecordFailedError(record.kinesis.sequence_number)
        try:
            self.broadcaster.publish(decode_event(record.kinesis.data_as_bytes()))
        except Exception:
            self.failed = True
            raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    batch = _Batch()
    response = process_partial_response(
        event=event, record_handler=batch.handle, processor=processor, context=context
    )
    batch.broadcaster.flush()
    metrics.add_metric(name="WebSocketFramesSent", unit="Count", value=batch.broadcaster.frames_sent)
    return response
