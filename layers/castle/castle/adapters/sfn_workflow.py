"""The withdrawal workflow on AWS Step Functions (moto locally): start, approve, reject."""

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

# A task token that timed out, was answered already, or belongs to a finished execution.
_GONE = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken", "ExecutionDoesNotExist"})


class StepFunctionsWorkflow:
    def __init__(self, client: "SFNClient", state_machine_arn: str, timings: dict[str, int]) -> None:
        self._client = client
        self._arn = state_machine_arn
        self._timings = timings

    def execution_input(self, withdrawal_id: str) -> dict[str, Any]:
        return {"withdrawal_id": withdrawal_id, "timings": self._timings}

    def start(self, withdrawal_id: str) -> None:
        try:
            self._client.start_execution(
                stateMachineArn=self._arn,
                name=withdrawal_id,
                input=json.dumps(self.execution_input(withdrawal_id)),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise

    def approve(self, task_token: str, reviewer: str) -> bool:
        return self._answer(
            lambda: self._client.send_task_success(
                taskToken=task_token, output=json.dumps({"approved": True, "by": reviewer})
            )
        )

    def reject(self, task_token: str, reviewer: str, reason: str) -> bool:
        return self._answer(
            lambda: self._client.send_task_failure(
                taskToken=task_token, error="WithdrawalRejected", cause=f"{reason} (by {reviewer})"[:256]
            )
        )

    @staticmethod
    def _answer(call: Any) -> bool:
        try:
            call()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _GONE:
                return False
            raise
        return True
