"""The sample events under events/withdrawals/ are what the workflow tasks accept (sam local invoke -e)."""

import pytest
from pydantic import BaseModel
from withdrawals.check_confirmations import ConfirmationsTaskEvent
from withdrawals.compensate import CompensateTaskEvent
from withdrawals.request_approval import ApprovalTaskEvent
from withdrawals.task_event import TaskEvent

from tests.support.events import load_event


@pytest.mark.parametrize(
    ("sample", "model"),
    [
        ("validate", TaskEvent),
        ("check_limits", TaskEvent),
        ("place_hold", TaskEvent),
        ("request_approval", ApprovalTaskEvent),
        ("sign_broadcast", TaskEvent),
        ("check_confirmations", ConfirmationsTaskEvent),
        ("settle", TaskEvent),
        ("compensate", CompensateTaskEvent),
        ("notify", TaskEvent),
    ],
)
def test_each_task_sample_event_is_a_valid_task_input(sample: str, model: type[BaseModel]) -> None:
    model.model_validate(load_event(f"withdrawals/{sample}.json"))
