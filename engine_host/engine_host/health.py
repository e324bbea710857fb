"""The HTTP health endpoint (Route 53 health checks, load balancers, `castle up`, tests).

GET /health         200 with the node's status (role, epoch, last sequence, lag) while its loop is
                    alive, 503 when the loop has stalled or the node is stopping.
GET /health/active  200 only on the active node (for a failover record's health check).
"""

import contextlib
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass
class HostStatus:
    node_id: str
    role: str = "starting"  # starting | standby | active | stopping
    epoch: int = 0
    last_seq: int = 0
    published_seq: int = 0
    # Standby: journal entries in Redis it has not applied yet. Active: 0.
    lag_entries: int = 0
    # Active: age of the oldest message of the last batch when it was received.
    queue_lag_ms: int = 0
    became_active_at: float = 0.0
    heartbeat: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    def healthy(self, stall_after_s: float) -> bool:
        return self.role in ("standby", "active") and time.monotonic() - self.heartbeat < stall_after_s

    def as_json(self) -> bytes:
        body = asdict(self)
        body.pop("heartbeat")
        body["heartbeat_age_ms"] = int((time.monotonic() - self.heartbeat) * 1000)
        return orjson.dumps(body)


class HealthServer:
    def __init__(self, status: HostStatus, host: str, port: int, stall_after_s: float = 30.0) -> None:
        status_ref = status

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/health":
                    ok = status_ref.healthy(stall_after_s)
                elif self.path == "/health/active":
                    ok = status_ref.healthy(stall_after_s) and status_ref.role == "active"
                else:
                    self.send_error(404)
                    return
                body = status_ref.as_json()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: health checks are frequent
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="health", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
