"""Workflow task: one poll of the chain; fails with ConfirmationsTimeoutError once polls run out."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from castle.adapters.wallets_wiring import get_withdrawal_steps
from castle.observability import logger, tracer
from withdrawals.task_event import TaskEvent, run_task


class ConfirmationsTaskEvent(TaskEvent):
    polls: int = Field(ge=0)
    max_polls: int = Field(ge=1)


def _step(task: ConfirmationsTaskEvent) -> dict[str, Any]:
    return get_withdrawal_steps().check_confirmations(task.withdrawal_id, task.polls, task.max_polls)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_task(event, ConfirmationsTaskEvent, _step)
