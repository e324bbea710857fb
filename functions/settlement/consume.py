"""Settlement: engine events from Kinesis -> the ledger (fills, fees, releases, order status).

The whole batch is settled in one transaction, exactly once per (symbol, seq); a record that cannot
be settled fails alone (with the later events of its symbol) through partial batch failure.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.engine_event_batches import apply_kinesis_batch
from castle.adapters.postgres.ledger_store import get_ledger
from castle.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    response, outcome = apply_kinesis_batch(event, context, get_ledger().apply_events)
    metrics.add_metric(name="EventsSettled", unit=MetricUnit.Count, value=outcome.applied)
    metrics.add_metric(name="EventsRedelivered", unit=MetricUnit.Count, value=outcome.skipped)
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(response["batchItemFailures"]))
    return response
