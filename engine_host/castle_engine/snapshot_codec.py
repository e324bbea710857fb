"""Snapshot encoding: a magic, a format version, then zlib-compressed JSON of every book's state."""

import json
import zlib
from typing import Any

MAGIC = b"CENG"
FORMAT_VERSION = 1


class SnapshotError(ValueError):
    """The bytes are not an engine snapshot of a supported version."""


def encode_state(books: list[dict[str, Any]]) -> bytes:
    body = json.dumps({"books": books}, separators=(",", ":")).encode()
    return MAGIC + bytes([FORMAT_VERSION]) + zlib.compress(body, 6)


def decode_state(data: bytes) -> list[dict[str, Any]]:
    if data[:4] != MAGIC:
        raise SnapshotError("not an engine snapshot")
    if len(data) < 5 or data[4] != FORMAT_VERSION:
        raise SnapshotError(f"unsupported snapshot version {data[4] if len(data) > 4 else None}")
    try:
        state = json.loads(zlib.decompress(data[5:]))
    except (zlib.error, ValueError) as exc:
        raise SnapshotError("corrupt engine snapshot") from exc
    books: list[dict[str, Any]] = state["books"]
    return books
