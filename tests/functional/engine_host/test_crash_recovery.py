"""The engine host as a real process over moto (SQS FIFO, Kinesis) and Redis, killed with SIGKILL at
random points: the downstream event stream (after de-duplication by seq) and the final book state
must equal those of an uninterrupted run of the same commands."""

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import redis

from castle.contracts.commands import EngineCommand
from engine_host.command_stream import bodies, generate_commands, interleave
from engine_host.pipeline import CommandPipeline
from engine_host.redis_keys import RedisKeys
from engine_host.transport import ReceivedMessage
from tests.functional.engine_host.host_process import HostProcess
from tests.functional.engine_host.support import (
    DedupConsumer,
    EngineAwsResources,
    StreamReader,
    engine_fingerprint,
    send_commands,
)

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient

# Two symbols of 5,000: the 10,000 commands the crash tests are specified over (about 3 minutes
# each here, mostly moto; CASTLE_CRASH_COMMANDS_PER_SYMBOL=500 for a quick local loop).
COMMANDS_PER_SYMBOL = int(os.environ.get("CASTLE_CRASH_COMMANDS_PER_SYMBOL", "5000"))
# moto's FIFO sends slow down as the queue deepens: keep at most this many commands unapplied.
QUEUE_WINDOW = 100
# Generous: a loaded 2-core machine runs this several times slower than a quiet one. The loops
# wait on conditions (the nodes' /health), so a quiet run never waits for these.
RUN_DEADLINE_S = 240 + COMMANDS_PER_SYMBOL / 5
# Failover: long enough that a loaded machine never lets the active's lease lapse by itself, so
# only the deliberate kills move the lease (takeover after a kill takes about this long).
FAILOVER_LEASE_TTL_MS = 2000
# Crash/restart: one node only, so a lapsed lease cannot be taken by anybody else (the node renews
# it back); short, because every restart first waits for the killed process's lease to expire.
CRASH_LEASE_TTL_MS = 500


@pytest.fixture
def commands() -> list[EngineCommand]:
    return interleave(
        generate_commands(COMMANDS_PER_SYMBOL, seed=11, symbol="BTCUSDT"),
        generate_commands(COMMANDS_PER_SYMBOL, seed=12, symbol="ETHUSDT", order_id_base=10**9),
    )


@pytest.fixture
def nodes() -> Iterator[list[HostProcess]]:
    started: list[HostProcess] = []
    yield started
    for node in started:
        node.ensure_stopped()


def uninterrupted_run(commands: list[EngineCommand]) -> tuple[DedupConsumer, str]:
    pipeline = CommandPipeline()
    consumer = DedupConsumer()
    messages = [ReceivedMessage(body, str(i)) for i, body in enumerate(bodies(commands))]
    for start in range(0, len(messages), 10):
        for record in pipeline.process(messages[start : start + 10]).records:
            consumer.consume(record.partition_key, record.data)
    return consumer, engine_fingerprint(pipeline.adapter.engine)


def first_difference(actual: list[bytes], expected: list[bytes]) -> str:
    for index, (got, want) in enumerate(zip(actual, expected, strict=False)):
        if got != want:
            return f"seq {index + 1}:\n got  {got!r}\n want {want!r}"
    return f"lengths {len(actual)} != {len(expected)}"


def kill_points(rng: random.Random, total: int, count: int) -> list[int]:
    gap = total // (count + 2)
    points, at = [], 0
    for _ in range(count):
        at += rng.randint(gap // 2, gap * 3 // 2)
        points.append(min(at, total - 50))
    return points


class Feeder:
    """Sends the commands in small chunks, never more than QUEUE_WINDOW ahead of the engine."""

    def __init__(self, sqs: "SQSClient", queue_url: str, commands: list[EngineCommand]) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.items = [
            (c.symbol, c.command_id, body) for c, body in zip(commands, bodies(commands), strict=True)
        ]
        self.sent = 0

    def feed(self, applied: int) -> None:
        while self.sent < len(self.items) and self.sent - applied < QUEUE_WINDOW:
            send_commands(self.sqs, self.queue_url, self.items[self.sent : self.sent + 10])
            self.sent += 10


def journal_order_problems(
    redis_client: "redis.Redis", redis_keys: RedisKeys, commands: list[EngineCommand]
) -> list[str]:
    """Where the journal (the order the engine applied commands in) departs from each symbol's send
    order. Empty when the commands went in right, so a stream difference is then a publishing fault."""
    position = {c.command_id: index for index, c in enumerate(commands)}
    symbol_of = {c.command_id: c.symbol for c in commands}
    last: dict[str, int] = {}
    problems: list[str] = []
    rows: Any = redis_client.xrange(redis_keys.journal)
    for entry_id, fields in rows:
        command_id = fields[b"c"].decode()
        symbol, index = symbol_of[command_id], position[command_id]
        if index < last.get(symbol, -1):
            problems.append(f"journal {entry_id.decode()}: {command_id} applied after a later command")
        last[symbol] = max(index, last.get(symbol, -1))
    return problems


def assert_same_outcome(
    kinesis: "KinesisClient",
    aws: EngineAwsResources,
    redis_client: "redis.Redis",
    redis_keys: RedisKeys,
    commands: list[EngineCommand],
) -> DedupConsumer:
    consumer = DedupConsumer()
    for key, data in StreamReader(kinesis, aws.stream_name).poll():
        consumer.consume(key, data)
    expected, expected_state = uninterrupted_run(commands)
    assert journal_order_problems(redis_client, redis_keys, commands) == []
    assert sorted(consumer.events) == sorted(expected.events)
    for symbol in expected.events:
        got, want = consumer.stream_of(symbol), expected.stream_of(symbol)
        assert got == want, f"{symbol} {first_difference(got, want)}"
    assert consumer.digest() == expected.digest()
    snapshot = redis_client.get(redis_keys.snapshot)
    assert isinstance(snapshot, bytes)
    recovered = CommandPipeline()
    recovered.restore(snapshot)
    assert recovered.last_seq == len(commands)
    assert engine_fingerprint(recovered.adapter.engine) == expected_state
    return consumer


@pytest.mark.slow
def test_host_killed_at_random_points_and_restarted_publishes_exactly_the_uninterrupted_stream(
    sqs: "SQSClient",
    kinesis: "KinesisClient",
    aws: EngineAwsResources,
    moto_endpoint: str,
    redis_client: "redis.Redis",
    redis_keys: RedisKeys,
    commands: list[EngineCommand],
    nodes: list[HostProcess],
    tmp_path: Path,
) -> None:
    # Given one engine host fed 10,000 commands, killed -9 at >= 20 random points and restarted
    total = len(commands)
    targets = kill_points(random.Random(5), total, 22)
    node = HostProcess(
        "a", "active", aws, moto_endpoint, redis_keys.prefix, tmp_path, lease_ttl_ms=CRASH_LEASE_TTL_MS
    )
    nodes.append(node)
    feeder = Feeder(sqs, aws.queue_url, commands)
    node.start()
    applied, kills = 0, 0
    deadline = time.monotonic() + RUN_DEADLINE_S
    while time.monotonic() < deadline:
        status = node.status()
        if status is not None and status["role"] == "active":
            applied = status["last_seq"]
            if targets and applied >= targets[0]:
                node.kill()
                kills += 1
                while targets and targets[0] <= applied:
                    targets.pop(0)
                node.start()
                continue
            if applied == total and status["published_seq"] == total:
                break
        feeder.feed(applied)
        time.sleep(0.01)
    else:
        raise AssertionError(f"did not finish: applied {applied} of {total}; {node.log_tail()}")
    # When it finally stops gracefully
    assert node.terminate() == 0
    # Then downstream sees exactly the uninterrupted run's events, and the state is the same
    consumer = assert_same_outcome(kinesis, aws, redis_client, redis_keys, commands)
    assert kills >= 20
    print(f"\ncrash/restart: {kills} kills, {consumer.duplicates} duplicate records de-duplicated")


@pytest.mark.slow
def test_standby_takes_over_when_the_active_is_killed_and_the_stream_stays_exact(
    sqs: "SQSClient",
    kinesis: "KinesisClient",
    aws: EngineAwsResources,
    moto_endpoint: str,
    redis_client: "redis.Redis",
    redis_keys: RedisKeys,
    commands: list[EngineCommand],
    nodes: list[HostProcess],
    tmp_path: Path,
) -> None:
    # Given an active and a hot standby, the active killed -9 at random points (and restarted as standby)
    total = len(commands)
    targets = kill_points(random.Random(9), total, 8)
    lease = FAILOVER_LEASE_TTL_MS
    active = HostProcess("a", "active", aws, moto_endpoint, redis_keys.prefix, tmp_path, lease_ttl_ms=lease)
    standby = HostProcess("b", "standby", aws, moto_endpoint, redis_keys.prefix, tmp_path, lease_ttl_ms=lease)
    nodes.extend([active, standby])
    feeder = Feeder(sqs, aws.queue_url, commands)
    active.start()
    active.wait_for(lambda s: s["role"] == "active")
    standby.start()
    standby.wait_for(lambda s: s["role"] == "standby")
    takeovers: list[float] = []
    applied = 0
    deadline = time.monotonic() + RUN_DEADLINE_S
    while time.monotonic() < deadline:
        statuses = {node: node.status() for node in (active, standby)}
        current = next((n for n, s in statuses.items() if s is not None and s["role"] == "active"), None)
        if current is not None:
            # A lease that lapsed under load is a takeover too: follow whichever node is active.
            active, standby = current, standby if current is active else active
            status = statuses[current]
            assert status is not None
            applied = status["last_seq"]
            if targets and applied >= targets[0]:
                # When the active dies, the standby takes over once the lease expires
                killed_at = time.monotonic()
                active.kill()
                standby.wait_for(lambda s: s["role"] == "active", timeout_s=lease / 1000 + 60)
                takeovers.append(time.monotonic() - killed_at)
                while targets and targets[0] <= applied:
                    targets.pop(0)
                active.env["CASTLE_ENGINE_ROLE"] = "standby"
                active.start()
                active, standby = standby, active
                continue
            if applied == total and status["published_seq"] == total:
                break
        feeder.feed(applied)
        time.sleep(0.01)
    else:
        raise AssertionError(f"did not finish: applied {applied} of {total}; {active.log_tail()}")
    for node in (active, standby):
        node.wait_for(lambda s: s["role"] in ("active", "standby") and s["last_seq"] == total)
    # Every acquisition raised the epoch: the first, one per kill, and any lease that lapsed by itself.
    epoch: Any = redis_client.get(redis_keys.epoch)
    lapsed = int(epoch) - 1 - len(takeovers)
    assert standby.terminate() == 0
    assert active.terminate() == 0
    # Then downstream sees exactly the uninterrupted run's events, and the state is the same
    consumer = assert_same_outcome(kinesis, aws, redis_client, redis_keys, commands)
    assert len(takeovers) >= 6
    assert max(takeovers) < lease / 1000 + 10
    print(
        f"\nfailover: {len(takeovers)} takeovers, lease TTL {lease} ms, takeover after kill -9: "
        f"min {min(takeovers) * 1000:.0f} ms, median {sorted(takeovers)[len(takeovers) // 2] * 1000:.0f} ms, "
        f"max {max(takeovers) * 1000:.0f} ms; {lapsed} leases lapsed without a kill; "
        f"{consumer.duplicates} duplicate records de-duplicated"
    )
