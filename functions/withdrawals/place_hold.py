"""Workflow task: hold amount + fee in the ledger (idempotent by withdrawal id)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.wallets_wiring import get_withdrawal_steps
from castle.observability import logger, tracer
from withdrawals.task_event import TaskEvent, run_task


def _step(task: TaskEvent) -> dict[str, Any]:
    get_withdrawal_steps().place_hold(task.withdrawal_id)
    return {"withdrawal_id": task.withdrawal_id}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_task(event, TaskEvent, _step)
