"""The local stack as the e2e tests see it: `castle up` in a subprocess on free ports, with its own
database, torn down (SIGINT, as Ctrl-C) at the end of the session."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.support.castle_up import castle_up

START_TIMEOUT_S = 90.0


@dataclass
class RunningStack:
    url: str
    aws_endpoint: str
    log_path: Path
    database_url: str = ""  # the stack's PostgreSQL, for ledger checks (assert_conserved)

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = httpx.get(f"{self.url}/_castle/status", timeout=10).json()
        return result

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="castle-local",
            aws_secret_access_key="castle-local",
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can save evidence when a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    state = tmp_path_factory.mktemp("castle-local")
    with castle_up(state, "castle_e2e", start_timeout_s=START_TIMEOUT_S) as up:
        yield RunningStack(up.url, up.aws_endpoint, up.log_path, up.database_url)
