"""Kinesis consumer of engine events and of user activity: the balance frames of user data streams.

Engine event batches -> `outboundAccountPosition` once settlement has applied them; deposit credits on
the activity stream -> `balanceUpdate` + `outboundAccountPosition`. A batch comes from one stream,
told apart by its source ARN. Any failure fails the whole batch, which Lambda retries (bisecting).
"""

import time

from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from castle.adapters.dynamo_connections import connections
from castle.adapters.postgres.ledger_store import get_ledger
from castle.adapters.ws_poster import poster
from castle.contracts.activity import decode_activity
from castle.contracts.events import decode_event
from castle.marketdata.account_stream import AccountStream
from castle.observability import logger, metrics, tracer
from castle.settings import get_settings


def clock_ms() -> int:
    return time.time_ns() // 1_000_000


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
@event_source(data_class=KinesisStreamEvent)
def handler(event: KinesisStreamEvent, context: LambdaContext) -> None:
    stream = AccountStream(connections=connections(), poster=poster(), ledger=get_ledger(), clock_ms=clock_ms)
    records = list(event.records)
    activity_arn_suffix = f":stream/{get_settings().activity_stream}"
    if records and records[0].event_source_arn.endswith(activity_arn_suffix):
        for record in records:
            try:
                activity = decode_activity(record.kinesis.data_as_bytes())
            except ValidationError:
                logger.warning("undecodable activity record", extra={"seq": record.kinesis.sequence_number})
                continue
            stream.publish_activity(activity)
    else:
        stream.publish_engine_events(decode_event(record.kinesis.data_as_bytes()) for record in records)
    metrics.add_metric(name="AccountFramesSent", unit="Count", value=stream.frames_sent)
