"""The patched moto the engine host tests run against redelivers a FIFO group strictly in order, as
real SQS does (the host's exactly-once guarantee relies on it): moto's own receive can hand out a
later message of a group while an earlier one stays behind when the in-flight messages' visibility
lapses in the middle of the receive."""

import uuid
from collections.abc import Callable

import pytest
from moto.sqs import models as sqs_models
from moto.sqs.models import SQSBackend, sqs_backends

from tests.functional.engine_host import moto_fifo_server

ACCOUNT, REGION = "123456789012", "us-east-1"


class SteppingClock:
    """moto's millisecond clock, a quarter of a millisecond later at every reading: time passes
    within one receive, between its checks of the same messages."""

    def __init__(self, start_ms: float) -> None:
        self.now_ms = start_ms

    def __call__(self) -> float:
        self.now_ms += 0.25
        return self.now_ms


def receive_after_visibility_lapses(
    backend: SQSBackend, clock: SteppingClock, lapse_offset_ms: float
) -> list[str]:
    """20 messages of one group; the first 10 received and never deleted (their consumer died),
    moto having marked them received half a millisecond apart (it reads its clock per message);
    the clock set `lapse_offset_ms` before the first of them becomes visible again; then one
    receive. Returns the bodies it delivered."""
    name = f"orders-{uuid.uuid4().hex[:8]}.fifo"
    backend.create_queue(name, FifoQueue="true", VisibilityTimeout="1")
    for i in range(20):
        backend.send_message(name, f"m{i:02d}", group_id="BTCUSDT", deduplication_id=f"d{i}")
    in_flight = backend.receive_message(name, 10, 0, 1)
    assert [m.body for m in in_flight] == [f"m{i:02d}" for i in range(10)]
    messages = backend.get_queue(name)._messages
    first_visible_at = messages[0].visible_at
    for i, message in enumerate(messages[:10]):
        message.visible_at = first_visible_at + i * 0.5
    clock.now_ms = first_visible_at - lapse_offset_ms
    return [m.body for m in backend.receive_message(name, 10, 0, 1)]


@pytest.fixture
def patched_backend(monkeypatch: pytest.MonkeyPatch) -> tuple[SQSBackend, SteppingClock]:
    moto_fifo_server.install(monkeypatch.setattr)
    clock = SteppingClock(1_800_000_000_000.0)
    monkeypatch.setattr(sqs_models, "unix_time_millis", clock)
    return sqs_backends[ACCOUNT][REGION], clock


@pytest.mark.parametrize("lapse_offset_ms", [x / 4 for x in range(-8, 40)])
def test_a_group_whose_visibility_lapses_during_a_receive_is_redelivered_from_its_first_message(
    patched_backend: tuple[SQSBackend, SteppingClock], lapse_offset_ms: float
) -> None:
    backend, clock = patched_backend

    delivered = receive_after_visibility_lapses(backend, clock, lapse_offset_ms)

    # Nothing, or the group from its oldest undeleted message on, in order
    assert delivered == [f"m{i:02d}" for i in range(len(delivered))]


def test_install_can_be_undone_by_its_setter(monkeypatch: pytest.MonkeyPatch) -> None:
    receive: Callable[..., object] = SQSBackend.receive_message
    with monkeypatch.context() as patch:
        moto_fifo_server.install(patch.setattr)
        assert SQSBackend.receive_message is not receive
    assert SQSBackend.receive_message is receive
