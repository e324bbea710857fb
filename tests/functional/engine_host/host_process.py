"""`python -m engine_host` as a child process of a test: started from environment variables only,
watched through its /health endpoint, killed with SIGKILL or stopped with SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

from tests.functional.engine_host.support import EngineAwsResources, free_port


class HostProcess:
    def __init__(
        self,
        node_id: str,
        role: str,
        aws: EngineAwsResources,
        moto_endpoint: str,
        redis_prefix: str,
        workdir: Path,
        lease_ttl_ms: int = 2000,
    ) -> None:
        self.node_id = node_id
        self.port = free_port()
        self.log_path = workdir / f"{node_id}.log"
        self.env = {
            **os.environ,
            "AWS_ENDPOINT_URL": moto_endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "CASTLE_ORDER_QUEUE_URL": aws.queue_url,
            "CASTLE_ORDER_DLQ_URL": aws.dlq_url,
            "CASTLE_ENGINE_EVENTS_STREAM": aws.stream_name,
            "CASTLE_REDIS_URL": "redis://127.0.0.1:6379/0",
            "CASTLE_ENGINE_REDIS_PREFIX": redis_prefix,
            "CASTLE_ENGINE_NODE_ID": node_id,
            "CASTLE_ENGINE_ROLE": role,
            "CASTLE_ENGINE_JOURNAL_DIR": str(workdir / f"journal-{node_id}"),
            "CASTLE_ENGINE_HEALTH_HOST": "127.0.0.1",
            "CASTLE_ENGINE_HEALTH_PORT": str(self.port),
            "CASTLE_ENGINE_LEASE_TTL_MS": str(lease_ttl_ms),
            "CASTLE_ENGINE_LEASE_RENEW_MS": str(max(50, lease_ttl_ms // 5)),
            "CASTLE_ENGINE_RECEIVE_WAIT_SECONDS": "1",
            "CASTLE_ENGINE_RECEIVE_BATCHES": "3",
            "CASTLE_ENGINE_METRICS_FLUSH_MS": "60000",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._http = httpx.Client(timeout=0.5)

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "engine_host"], env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def status(self) -> dict[str, Any] | None:
        if self.process is None or self.process.poll() is not None:
            return None
        try:
            response = self._http.get(f"http://127.0.0.1:{self.port}/health")
        except httpx.HTTPError:
            return None
        body: dict[str, Any] = response.json()
        return body

    def kill(self) -> None:
        """kill -9: no chance to flush, snapshot or release the lease."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._close_log()

    def terminate(self, timeout_s: float = 60) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout_s)
        self._close_log()
        return code

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._close_log()
        self._http.close()

    def wait_for(self, predicate: Any, timeout_s: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.status()
            if status is not None and predicate(status):
                return status
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"{self.node_id} exited: {self.log_tail()}")
            time.sleep(0.01)
        raise AssertionError(f"{self.node_id}: condition not met in {timeout_s}s; log: {self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
