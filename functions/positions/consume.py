"""Positions: engine trades from Kinesis -> per-user, per-symbol position, average entry, realized PnL.

Exactly once per (symbol, seq), one transaction per batch, partial batch failure like settlement.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.engine_event_batches import apply_kinesis_batch
from castle.adapters.postgres.position_store import get_positions_store
from castle.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    response, outcome = apply_kinesis_batch(event, context, get_positions_store().apply_events)
    metrics.add_metric(name="PositionEventsApplied", unit=MetricUnit.Count, value=outcome.applied)
    metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(response["batchItemFailures"]))
    return response
