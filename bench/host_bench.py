"""Throughput of the engine host pipeline: decode -> journal -> match -> encode -> batch.

    PYTHONPATH=.build/engine .venv/bin/python bench/host_bench.py [--commands 100000] [--moto 1000]

1. In-memory transport: the host's own pipeline (CommandPipeline), the local write-ahead journal on
   disk (fsync once per batch), events chunked into PutRecords-sized calls, one core. Target: >= 50,000
   commands/s with the compiled engine (scripts/build_engine.sh; PYTHONPATH=.build/engine).
2. moto as the transport: the real EngineHost (SQS FIFO in, Kinesis out, Redis replication and lease)
   against a moto server process and the local Redis, commands fed in small chunks (moto's FIFO queue
   slows down as it deepens). This measures moto far more than the host.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import boto3
import httpx
import redis

import castle_engine
from engine_host.command_stream import bodies, generate_commands, interleave
from engine_host.journal import LocalJournal
from engine_host.kinesis_event_sink import chunk_records
from engine_host.pipeline import CommandPipeline
from engine_host.redis_keys import RedisKeys
from engine_host.service import build_host
from engine_host.settings import HostSettings
from engine_host.transport import InMemoryCommandSource, InMemoryEventSink

ROOT = Path(__file__).resolve().parents[1]


def in_memory(total: int, batch: int, fsync: bool) -> dict[str, float]:
    per_symbol = total // 2
    commands = interleave(
        generate_commands(per_symbol, seed=1, symbol="BTCUSDT"),
        generate_commands(per_symbol, seed=2, symbol="ETHUSDT", order_id_base=10**9),
    )
    source = InMemoryCommandSource(batch_size=batch)
    for command, body in zip(commands, bodies(commands), strict=True):
        source.put(body, command.symbol)
    sink = InMemoryEventSink()
    pipeline = CommandPipeline()
    calls = 0
    with tempfile.TemporaryDirectory() as directory:
        journal = LocalJournal(Path(directory))
        journal.open()
        started = time.perf_counter()
        cpu_started = time.process_time()
        match_ns = 0
        while messages := source.receive(0):
            result = pipeline.process(messages)
            journal.append(result.entries)
            if fsync:
                journal.sync()
            for call in chunk_records(result.records):
                sink.publish(call)
                calls += 1
            source.acknowledge(result.acknowledge)
            match_ns += result.match_ns
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        journal.close()
    return {
        "commands": len(commands),
        "events": len(sink.records),
        "put_records_calls": calls,
        "seconds": elapsed,
        "commands_per_s": len(commands) / elapsed,
        # CPU time of this process: the one-core figure, whatever else shares the machine.
        "commands_per_cpu_s": len(commands) / cpu,
        "events_per_cpu_s": len(sink.records) / cpu,
        "match_us_per_command": match_ns / len(commands) / 1000,
    }


def over_moto(total: int) -> dict[str, float]:
    port = 5900 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    prefix = f"castle-bench:engine:{uuid.uuid4().hex[:8]}"
    client = redis.Redis()
    try:
        for _ in range(200):
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
        kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1")
        queue_url = sqs.create_queue(
            QueueName="bench-orders.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"}
        )["QueueUrl"]
        kinesis.create_stream(StreamName="bench-events", ShardCount=1)
        commands = interleave(
            generate_commands(total // 2, seed=1, symbol="BTCUSDT"),
            generate_commands(total // 2, seed=2, symbol="ETHUSDT", order_id_base=10**9),
        )
        items = list(zip(commands, bodies(commands), strict=True))
        with tempfile.TemporaryDirectory() as directory:
            host = build_host(
                HostSettings(
                    aws_endpoint_url=endpoint,
                    order_queue_url=queue_url,
                    engine_events_stream="bench-events",
                    engine_redis_prefix=prefix,
                    engine_journal_dir=Path(directory),
                    engine_receive_wait_seconds=1,
                    engine_receive_batches=3,
                )
            )
            thread = threading.Thread(target=host.run, daemon=True)
            thread.start()
            while host.status.role != "active":
                time.sleep(0.01)
            started = time.perf_counter()
            sent = 0
            while host.status.published_seq < len(items):
                while sent < len(items) and sent - host.status.published_seq < 40:
                    chunk = items[sent : sent + 10]
                    sqs.send_message_batch(
                        QueueUrl=queue_url,
                        Entries=[
                            {
                                "Id": str(i),
                                "MessageBody": body.decode(),
                                "MessageGroupId": c.symbol,
                                "MessageDeduplicationId": c.command_id,
                            }
                            for i, (c, body) in enumerate(chunk)
                        ],
                    )
                    sent += len(chunk)
                time.sleep(0.005)
            elapsed = time.perf_counter() - started
            host.stop()
            thread.join(15)
        return {"commands": len(items), "seconds": elapsed, "commands_per_s": len(items) / elapsed}
    finally:
        client.delete(*RedisKeys(prefix).all())
        server.terminate()
        server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=100_000)
    parser.add_argument("--moto", type=int, default=1000, help="commands through moto (0 = skip)")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    print(f"castle_engine compiled: {castle_engine.is_compiled()}")
    for batch, fsync in ((10, True), (100, True), (100, False)):
        figures = in_memory(args.commands, batch, fsync)
        print(
            f"in-memory, batch {batch:>3}: {figures['commands_per_cpu_s']:>9,.0f} commands/CPU-s, "
            f"{figures['events_per_cpu_s']:>9,.0f} events/CPU-s, wall {figures['commands_per_s']:>9,.0f} "
            f"commands/s ({figures['commands']:,} commands, "
            f"{figures['events']:,} events, {figures['put_records_calls']:,} PutRecords calls, "
            f"match {figures['match_us_per_command']:.2f} us/command, "
            f"{'fsync per batch' if fsync else 'journal written, no fsync'})"
        )
    if args.moto:
        figures = over_moto(args.moto)
        print(
            f"moto transport (SQS FIFO + Kinesis + Redis): {figures['commands_per_s']:,.0f} commands/s "
            f"({figures['commands']:,} commands in {figures['seconds']:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
