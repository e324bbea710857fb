"""De-duplication, poison detection and deterministic replay of the host's core pipeline."""

import orjson

from engine_host.command_stream import bodies, generate_commands
from engine_host.pipeline import CommandPipeline
from engine_host.transport import ReceivedMessage


def messages_of(data: list[bytes]) -> list[ReceivedMessage]:
    return [ReceivedMessage(body, str(i)) for i, body in enumerate(data)]


def test_a_redelivered_command_is_acknowledged_but_not_applied_twice() -> None:
    pipeline = CommandPipeline()
    [body] = bodies(generate_commands(1, seed=1))
    first = pipeline.process(messages_of([body]))
    again = pipeline.process(messages_of([body]))
    assert (len(first.entries), len(again.entries), again.duplicates) == (1, 0, 1)
    assert again.records == [] and len(again.acknowledge) == 1


def test_poison_messages_get_a_reason_and_do_not_stop_the_batch() -> None:
    pipeline = CommandPipeline()
    good = bodies(generate_commands(2, seed=1))
    command = orjson.loads(good[0])
    unknown_symbol = orjson.dumps({**command, "command_id": "x1", "symbol": "DOGEUSDT"})
    wrong_version = orjson.dumps({**command, "command_id": "x2", "v": 2})
    result = pipeline.process(messages_of([b"{not json", unknown_symbol, good[0], wrong_version, good[1]]))
    reasons = [reason for _, reason in result.poison]
    assert reasons == [
        "undecodable: not JSON",
        "unknown symbol 'DOGEUSDT'",
        "unsupported command version 2",
    ]
    assert [e.seq for e in result.entries] == [1, 2]


def test_replaying_the_journal_from_a_snapshot_reproduces_the_same_records() -> None:
    data = bodies(generate_commands(3000, seed=4))
    original = CommandPipeline()
    original.process(messages_of(data[:1000]))
    snapshot = original.snapshot()
    later = original.process(messages_of(data[1000:]))
    recovered = CommandPipeline()
    recovered.restore(snapshot)
    replayed = recovered.replay(later.entries)
    assert [r for _, batch in replayed for r in batch] == later.records
    assert recovered.snapshot() == original.snapshot()


def test_releasing_a_pipeline_unlinks_the_resting_orders_of_its_engine() -> None:
    pipeline = CommandPipeline()
    pipeline.process(messages_of(bodies(generate_commands(500, seed=2))))
    engine = pipeline.adapter.engine
    resting = [order for symbol in engine.symbols() for order in engine.open_orders(symbol)]
    assert len(resting) > 50

    pipeline.release()

    assert engine.symbols() == []
    assert all((order.prev, order.next, order.level) == (None, None, None) for order in resting)


def test_a_pipeline_is_untouched_until_it_applies_restores_or_processes_anything() -> None:
    data = bodies(generate_commands(2, seed=3))
    snapshot = CommandPipeline().snapshot()
    assert CommandPipeline().untouched
    processed, replayed, restored = CommandPipeline(), CommandPipeline(), CommandPipeline()
    entries = processed.process(messages_of(data)).entries
    replayed.replay(entries)
    restored.restore(snapshot)
    assert not (processed.untouched or replayed.untouched or restored.untouched)
    empty_batch = CommandPipeline()
    empty_batch.process([])
    assert not empty_batch.untouched  # conservative: any batch counts
