"""Workflow task (every Catch ends here): release the hold and mark the withdrawal FAILED with a reason."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from castle.adapters.wallets_wiring import get_withdrawal_steps
from castle.observability import logger, metrics, tracer
from withdrawals.task_event import TaskEvent, run_task


class CaughtError(BaseModel):
    """What a Catch with ResultPath "$.error" puts in the state: {"Error": ..., "Cause": ...}."""

    error: str = Field(alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class CompensateTaskEvent(TaskEvent):
    error: CaughtError


def _step(task: CompensateTaskEvent) -> dict[str, Any]:
    reason = get_withdrawal_steps().compensate(task.withdrawal_id, task.error.error, task.error.cause or "")
    logger.warning("withdrawal failed", extra={"reason": reason, "error": task.error.error})
    metrics.add_metric(name="WithdrawalsFailed", unit="Count", value=1)
    return {"reason": reason}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_task(event, CompensateTaskEvent, _step)
