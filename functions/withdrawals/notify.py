"""Workflow task: tell the user how the withdrawal ended (recorded on its history)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.wallets_wiring import get_withdrawal_steps
from castle.observability import logger, tracer
from withdrawals.task_event import TaskEvent, run_task


def _step(task: TaskEvent) -> dict[str, Any]:
    withdrawal = get_withdrawal_steps().notify(task.withdrawal_id)
    return {"status": withdrawal.status.value}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_task(event, TaskEvent, _step)
