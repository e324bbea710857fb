"""The local write-ahead journal: every applied command, with its sequence number, on local disk
(EBS on AWS), fsync'ed before the batch's events are published.

Layout of the journal directory:
- `snapshot.bin`: the pipeline snapshot (sequence number inside) written atomically (tmp + rename);
- `journal.log`: the entries after that snapshot; `journal.prev.log`: the ones before it, kept so
  that recovery can rebuild the window of recent command ids (redelivery de-duplication).
A record is `<length, crc32, seq, id length>` + command id + body; a torn or corrupt tail (a crash
in the middle of a write) ends the log and is cut off when the journal is opened for writing.
"""

import os
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

_HEADER = struct.Struct("<IIQH")


class JournalEntry(NamedTuple):
    seq: int
    command_id: str
    body: bytes


@dataclass(frozen=True, slots=True)
class JournalContents:
    snapshot: bytes | None
    entries: list[JournalEntry]
    previous: list[JournalEntry]


def encode_record(entry: JournalEntry) -> bytes:
    cid = entry.command_id.encode()
    payload = cid + entry.body
    crc = zlib.crc32(payload, entry.seq & 0xFFFFFFFF)
    return _HEADER.pack(len(entry.body), crc, entry.seq, len(cid)) + payload


def read_records(data: bytes) -> Iterator[tuple[JournalEntry, int]]:
    """Entries and the offset after each; stops at the first torn or corrupt record."""
    offset = 0
    size = _HEADER.size
    while offset + size <= len(data):
        length, crc, seq, cid_len = _HEADER.unpack_from(data, offset)
        end = offset + size + cid_len + length
        if end > len(data):
            return
        payload = data[offset + size : end]
        if zlib.crc32(payload, seq & 0xFFFFFFFF) != crc:
            return
        yield JournalEntry(seq, payload[:cid_len].decode(), payload[cid_len:]), end
        offset = end


class LocalJournal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._log: BinaryIO | None = None

    @property
    def log_path(self) -> Path:
        return self.directory / "journal.log"

    @property
    def previous_path(self) -> Path:
        return self.directory / "journal.prev.log"

    @property
    def snapshot_path(self) -> Path:
        return self.directory / "snapshot.bin"

    def load(self) -> JournalContents:
        snapshot = self.snapshot_path.read_bytes() if self.snapshot_path.exists() else None
        return JournalContents(snapshot, self._read(self.log_path), self._read(self.previous_path))

    @staticmethod
    def _read(path: Path) -> list[JournalEntry]:
        if not path.exists():
            return []
        return [entry for entry, _ in read_records(path.read_bytes())]

    def open(self) -> None:
        """Open the log for appending, first cutting off a torn tail left by a crash."""
        self.directory.mkdir(parents=True, exist_ok=True)
        good = 0
        if self.log_path.exists():
            for _, end in read_records(self.log_path.read_bytes()):
                good = end
            with self.log_path.open("r+b") as log:
                log.truncate(good)
        self._log = self.log_path.open("ab")

    def append(self, entries: Sequence[JournalEntry]) -> None:
        if self._log is None:
            raise RuntimeError("journal is not open")
        self._log.write(b"".join(encode_record(e) for e in entries))

    def sync(self) -> None:
        if self._log is None:
            raise RuntimeError("journal is not open")
        self._log.flush()
        os.fsync(self._log.fileno())

    def write_snapshot(self, snapshot: bytes) -> None:
        """Store a snapshot taken when every journaled entry had been applied, then rotate the log."""
        if self._log is None:
            raise RuntimeError("journal is not open")
        self.sync()
        tmp = self.directory / "snapshot.bin.tmp"
        with tmp.open("wb") as out:
            out.write(snapshot)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.snapshot_path)
        # A crash between the rename and the rotation leaves entries the snapshot already covers
        # in journal.log: recovery skips entries at or below the snapshot's sequence number.
        self._log.close()
        os.replace(self.log_path, self.previous_path)
        self._log = self.log_path.open("ab")
        self._fsync_directory()

    def reset(self, snapshot: bytes) -> None:
        """Start a new lineage at `snapshot` (this node just became active from Redis' history)."""
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        for path in (self.log_path, self.previous_path):
            path.unlink(missing_ok=True)
        self.open()
        self.write_snapshot(snapshot)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _fsync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
