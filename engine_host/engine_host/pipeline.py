"""The host's pure core: decode -> de-duplicate -> number -> match -> encode, one batch at a time.

No I/O here: the host journals the entries a batch returns, then publishes its records, then
acknowledges its messages. Replaying journal entries through `replay` reproduces the same records
byte for byte (the engine is deterministic and events carry the command's ts_ms).
"""

import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson
from pydantic import ValidationError

from castle.contracts.commands import COMMAND_VERSION, EngineCommand, decode_command
from engine_host.engine_adapter import EngineAdapter
from engine_host.journal import JournalEntry
from engine_host.recent_ids import RecentIds
from engine_host.transport import OutboundRecord, ReceivedMessage

_SNAPSHOT_MAGIC = b"CHS1"
_SNAPSHOT_HEADER = struct.Struct("<4sQ")


class PoisonCommandError(ValueError):
    """A message that can never be applied: undecodable, unsupported version or unknown symbol."""


@dataclass
class BatchResult:
    entries: list[JournalEntry] = field(default_factory=list)
    records: list[OutboundRecord] = field(default_factory=list)
    # Applied commands and redeliveries of already-applied ones: acknowledge after publishing.
    acknowledge: list[ReceivedMessage] = field(default_factory=list)
    poison: list[tuple[ReceivedMessage, str]] = field(default_factory=list)
    duplicates: int = 0
    match_ns: int = 0


def decode(body: bytes, adapter: EngineAdapter) -> EngineCommand:
    """The command in a message body, or PoisonCommandError with a reason fit for the DLQ."""
    try:
        return _known_symbol(decode_command(body), adapter)
    except ValidationError as exc:
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise PoisonCommandError("undecodable: not JSON") from exc
        if isinstance(raw, dict) and raw.get("v", COMMAND_VERSION) != COMMAND_VERSION:
            raise PoisonCommandError(f"unsupported command version {raw.get('v')!r}") from exc
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PoisonCommandError(f"invalid command: {where}: {first['msg']}") from exc


def _known_symbol(command: EngineCommand, adapter: EngineAdapter) -> EngineCommand:
    if not adapter.knows(command.symbol):
        raise PoisonCommandError(f"unknown symbol {command.symbol!r}")
    return command


class CommandPipeline:
    def __init__(self, adapter: EngineAdapter | None = None, dedup_window: int = 200_000) -> None:
        self.adapter = adapter or EngineAdapter()
        self.last_seq = 0
        self._recent = RecentIds(dedup_window)
        self._touched = False

    @property
    def untouched(self) -> bool:
        """Nothing applied, restored or remembered yet: as good as a new pipeline."""
        return not self._touched

    # ---- the active path ----------------------------------------------------------------------------
    def process(self, messages: Sequence[ReceivedMessage]) -> BatchResult:
        self._touched = True
        result = BatchResult()
        adapter = self.adapter
        perf = time.perf_counter_ns
        for message in messages:
            try:
                command = decode(message.body, adapter)
            except PoisonCommandError as exc:
                result.poison.append((message, str(exc)))
                continue
            result.acknowledge.append(message)
            if command.command_id in self._recent:
                result.duplicates += 1
                continue
            self.last_seq += 1
            self.remember(command.command_id)
            result.entries.append(JournalEntry(self.last_seq, command.command_id, message.body))
            start = perf()
            events = adapter.apply(command)
            result.match_ns += perf() - start
            result.records.extend(adapter.encode_events(events, command.command_id, command.ts_ms))
        return result

    # ---- the recovery / standby path ---------------------------------------------------------------
    def replay(self, entries: Iterable[JournalEntry]) -> list[tuple[int, list[OutboundRecord]]]:
        """Apply journaled entries (in order, contiguous); returns each entry's records."""
        self._touched = True
        out: list[tuple[int, list[OutboundRecord]]] = []
        adapter = self.adapter
        for entry in entries:
            if entry.seq <= self.last_seq:
                continue
            if entry.seq != self.last_seq + 1:
                raise JournalGapError(f"journal jumps from {self.last_seq} to {entry.seq}")
            command = decode(entry.body, adapter)
            self.last_seq = entry.seq
            self.remember(command.command_id)
            events = adapter.apply(command)
            out.append((entry.seq, adapter.encode_events(events, command.command_id, command.ts_ms)))
        return out

    def remember(self, command_id: str) -> None:
        self._touched = True
        self._recent.add(command_id)

    def seen(self, command_id: str) -> bool:
        return command_id in self._recent

    # ---- state transfer ---------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        return _SNAPSHOT_HEADER.pack(_SNAPSHOT_MAGIC, self.last_seq) + self.adapter.engine.snapshot()

    def release(self) -> None:
        """Free the engine's books before this pipeline is dropped (castle_engine's Engine.release)."""
        self.adapter.engine.release()

    def restore(self, snapshot: bytes, recent_command_ids: Iterable[str] = ()) -> None:
        self._touched = True
        self.last_seq = snapshot_seq(snapshot)
        self.adapter.engine.restore(snapshot[_SNAPSHOT_HEADER.size :])
        self._recent.clear()
        for command_id in recent_command_ids:
            self.remember(command_id)


class JournalGapError(RuntimeError):
    """Journal entries are missing between the state and the next entry: resynchronise."""


def snapshot_seq(snapshot: bytes) -> int:
    magic, seq = _SNAPSHOT_HEADER.unpack_from(snapshot)
    if magic != _SNAPSHOT_MAGIC:
        raise ValueError("not an engine host snapshot")
    return int(seq)
