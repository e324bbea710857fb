"""Kinesis consumer of the activity stream and the engine events stream: fraud rules -> alerts.

Alerts go to the FraudAlertsTable (and OpenSearch where configured); alerts of freezing rules set
the user's withdrawal freeze. Partial batch responses: a failed record is retried, the rest kept.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.dynamo_fraud import get_fraud_store
from castle.adapters.opensearch_alerts import get_alert_index
from castle.fraud.service import decode_fraud_input, process_event
from castle.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


def record_handler(record: KinesisStreamRecord) -> None:
    event = decode_fraud_input(record.kinesis.data_as_bytes())
    store = get_fraud_store()
    for alert in process_event(event, store, store, get_alert_index()):
        logger.warning(
            "fraud alert",
            extra={
                "alert_id": alert.alert_id,
                "rule": alert.rule,
                "user_id": alert.user_id,
                "freeze": alert.freeze_withdrawals,
            },
        )
        metrics.add_metric(name="FraudAlerts", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, object], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
