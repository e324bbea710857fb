"""Workflow task: 24h limit by KYC tier, allow-list and 2FA; says whether an admin must approve."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.wallets_wiring import get_withdrawal_steps
from castle.observability import logger, tracer
from withdrawals.task_event import TaskEvent, run_task


def _step(task: TaskEvent) -> dict[str, Any]:
    return {"requires_approval": get_withdrawal_steps().check_limits(task.withdrawal_id)}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_task(event, TaskEvent, _step)
