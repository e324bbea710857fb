"""The local stack as the e2e tests see it: `castle up` in a subprocess on free ports, with its own
database, torn down (SIGINT, as Ctrl-C) at the end of the session."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from castle_local.aws import free_port
from tests.support.database import create_database, drop_database, url_for

ROOT = Path(__file__).resolve().parents[2]
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


def _wait_until_up(url: str, process: "subprocess.Popen[bytes]", log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"castle up exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/_castle/status", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"castle up did not answer within {START_TIMEOUT_S}s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    state = tmp_path_factory.mktemp("castle-local")
    database = create_database("castle_e2e")
    port, aws_port = free_port(), free_port()
    env = {
        **os.environ,
        "CASTLE_DATABASE_URL": url_for(database),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = state / "castle-up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "castle_local",
                "up",
                "--port",
                str(port),
                "--aws-port",
                str(aws_port),
                "--state-dir",
                str(state),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, process, log_path)
            yield RunningStack(url, f"http://127.0.0.1:{aws_port}", log_path, url_for(database))
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            drop_database(database)
