"""`castle up` in a subprocess on free ports, with its own database: what the e2e tests and the HTTP
benchmarks both run against. Stopped as Ctrl-C does (SIGINT, then SIGKILL if it hangs) and its
database dropped when the block ends, whatever happens."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from castle_local.aws import free_port
from tests.support.database import create_database, drop_database, url_for

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CastleUp:
    url: str
    aws_endpoint: str
    log_path: Path
    database_url: str
    process: "subprocess.Popen[bytes]"


@contextmanager
def castle_up(
    state: Path, database_prefix: str, *, start_timeout_s: float, engine: bool = True
) -> Iterator[CastleUp]:
    database = create_database(database_prefix)
    port, aws_port = free_port(), free_port()
    log_path = state / "castle-up.log"
    command = [
        sys.executable, "-m", "castle_local", "up",
        "--port", str(port), "--aws-port", str(aws_port), "--state-dir", str(state),
    ]  # fmt: skip
    if not engine:
        command.append("--no-engine")
    env = {**os.environ, "CASTLE_DATABASE_URL": url_for(database), "PYTHONUNBUFFERED": "1"}
    process: subprocess.Popen[bytes] | None = None
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, log_path, start_timeout_s)
        yield CastleUp(url, f"http://127.0.0.1:{aws_port}", log_path, url_for(database), process)
    finally:
        if process is not None:
            _stop(process)
        drop_database(database)


def _wait_until_up(url: str, process: "subprocess.Popen[bytes]", log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"castle up exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/_castle/status", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"castle up did not answer within {timeout_s}s:\n{log_path.read_text()}")


def _stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
