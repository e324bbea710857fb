"""Structured JSON logs and CloudWatch EMF metrics for the host (Powertools works outside Lambda).

Per-batch figures are aggregated here and flushed as one EMF document per interval, so the hot loop
only adds numbers: queue lag, batch sizes, match latency, publish latency, poison and duplicates.
"""

import threading
from dataclasses import dataclass

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "engine-host"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Castle", service=SERVICE)


@dataclass
class _Window:
    batches: int = 0
    commands: int = 0
    events: int = 0
    poison: int = 0
    duplicates: int = 0
    match_ns: int = 0
    publish_ms_total: float = 0.0
    publish_ms_max: float = 0.0
    queue_lag_ms_max: int = 0


class HostMetrics:
    """Thread-safe aggregation of the host's figures between two EMF flushes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = _Window()

    def batch(
        self, commands: int, events: int, poison: int, duplicates: int, match_ns: int, queue_lag_ms: int
    ) -> None:
        with self._lock:
            w = self._window
            w.batches += 1
            w.commands += commands
            w.events += events
            w.poison += poison
            w.duplicates += duplicates
            w.match_ns += match_ns
            w.queue_lag_ms_max = max(w.queue_lag_ms_max, queue_lag_ms)

    def published(self, elapsed_ms: float) -> None:
        with self._lock:
            self._window.publish_ms_total += elapsed_ms
            self._window.publish_ms_max = max(self._window.publish_ms_max, elapsed_ms)

    def flush(self, role: str, node_group: str) -> None:
        """One EMF document; `Heartbeat` (1 per flush while the loop runs) backs the failover alarms."""
        with self._lock:
            w, self._window = self._window, _Window()
        metrics.add_dimension(name="node_group", value=node_group)
        metrics.add_metric(name="Heartbeat", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="IsActive", unit=MetricUnit.Count, value=1 if role == "active" else 0)
        metrics.add_metric(name="Batches", unit=MetricUnit.Count, value=w.batches)
        metrics.add_metric(name="CommandsApplied", unit=MetricUnit.Count, value=w.commands)
        metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=w.events)
        metrics.add_metric(name="PoisonCommands", unit=MetricUnit.Count, value=w.poison)
        metrics.add_metric(name="DuplicateCommands", unit=MetricUnit.Count, value=w.duplicates)
        metrics.add_metric(name="QueueLagMaxMs", unit=MetricUnit.Milliseconds, value=w.queue_lag_ms_max)
        if w.batches:
            metrics.add_metric(name="BatchSizeAvg", unit=MetricUnit.Count, value=w.commands / w.batches)
            metrics.add_metric(
                name="PublishLatencyAvgMs", unit=MetricUnit.Milliseconds, value=w.publish_ms_total / w.batches
            )
            metrics.add_metric(
                name="PublishLatencyMaxMs", unit=MetricUnit.Milliseconds, value=w.publish_ms_max
            )
        if w.commands:
            metrics.add_metric(
                name="MatchLatencyAvgUs", unit=MetricUnit.Microseconds, value=w.match_ns / w.commands / 1000
            )
        metrics.flush_metrics()
