"""What every workflow task receives, and the one place database hiccups become TransientError."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, ConfigDict

from castle.custody.port import TransientError
from castle.observability import logger

T = TypeVar("T")
E = TypeVar("E", bound="TaskEvent")


class TaskEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    withdrawal_id: str


@contextmanager
def transient_errors() -> Iterator[None]:
    """Connection drops, lock timeouts, failovers: Step Functions retries these (Retry on TransientError)."""
    try:
        yield
    except (psycopg.OperationalError, PoolTimeout) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def run_task(event: dict[str, Any], model: type[E], step: Callable[[E], T]) -> T:
    """Parse the task's input, tag the logs with the withdrawal id, run the step."""
    task = model.model_validate(event)
    logger.append_keys(withdrawal_id=task.withdrawal_id)
    with transient_errors():
        return step(task)
