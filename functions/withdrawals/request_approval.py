"""Workflow task (.waitForTaskToken): park the withdrawal for an administrator, keeping the task token."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.wallets_wiring import get_withdrawal_steps
from castle.observability import logger, metrics, tracer
from withdrawals.task_event import TaskEvent, run_task


class ApprovalTaskEvent(TaskEvent):
    task_token: str


def _step(task: ApprovalTaskEvent) -> dict[str, Any]:
    get_withdrawal_steps().request_approval(task.withdrawal_id, task.task_token)
    metrics.add_metric(name="WithdrawalsAwaitingApproval", unit="Count", value=1)
    return {"withdrawal_id": task.withdrawal_id}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_task(event, ApprovalTaskEvent, _step)
