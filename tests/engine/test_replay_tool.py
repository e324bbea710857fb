"""The replay and workload command-line tools."""

import hashlib
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from librt.strings import BytesWriter

from castle_engine.codes import BUY, SELL
from castle_engine.replay import main as replay_main
from castle_engine.replay import replay
from castle_engine.replay_core import encode_event
from castle_engine.workload import generate
from tests.engine.harness import SYMBOL, limit, new_engine

SUMMARY_FIELDS = {
    "ops",
    "trades",
    "base_volume",
    "quote_volume",
    "events_sha256",
    "wall_s",
    "ops_per_s",
    "engine_ops_per_s",
    "p50_ns",
    "p99_ns",
    "p999_ns",
    "resting",
    "compiled",
}


def write(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "ops.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_replay_prints_one_summary_line_with_the_documented_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        [
            '{"op":"limit","id":"42","user":"u1","side":"sell","price":"100.01","qty":"0.5","tif":"GTC"}',
            '{"op":"market","id":"43","user":"u2","side":"buy","qty":"0.2"}',
            '{"op":"limit","id":"44","user":"u3","side":"buy","price":"99","qty":"1","stp":"EXPIRE_TAKER"}',
            '{"op":"cancel","id":"42"}',
        ],
    )

    assert replay_main([path]) == 0

    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    summary = json.loads(out[0])
    assert set(summary) == SUMMARY_FIELDS
    assert (summary["ops"], summary["trades"], summary["resting"]) == (4, 1, 1)
    assert (summary["base_volume"], summary["quote_volume"]) == ("0.2000", "20.002000")


def test_replay_of_a_malformed_line_names_the_line_and_exits_non_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            '{"op":"limit","id":"1","user":"u1","side":"sell","price":"100.01","qty":"0.5"}',
            '{"op":"limit","id":"2","user":"u1","side":"sell","price":"100.001","qty":"0.5"}',
        ],
    )

    result = subprocess.run(
        [sys.executable, "-m", "castle_engine.replay", path], capture_output=True, text=True, check=False
    )

    assert result.returncode != 0
    assert f"{path}:2:" in result.stderr
    assert "price" in result.stderr
    assert "Traceback" not in result.stderr


def test_replay_reports_invalid_json_with_its_line_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, ['{"op":"cancel","id":"1"}', "{not json"])

    assert replay_main([path]) == 2

    assert f"{path}:2: invalid JSON" in capsys.readouterr().err


def test_workload_mixes_limits_markets_and_cancels_around_a_drifting_mid() -> None:
    lines: list[str] = []
    generate(5000, 3, lines)

    ops = [json.loads(line)["op"] for line in lines]
    share = {op: ops.count(op) / len(ops) for op in ("limit", "market", "cancel")}
    assert len(ops) == 5000
    assert 0.50 < share["limit"] < 0.70
    assert 0.02 < share["market"] < 0.10
    assert 0.25 < share["cancel"] < 0.35


def test_workload_is_deterministic_for_a_seed() -> None:
    first: list[str] = []
    second: list[str] = []
    generate(500, 9, first)
    generate(500, 9, second)

    assert first == second


def test_replay_gives_the_same_summary_whether_lines_take_the_fast_path_or_the_general_one(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    generate(3000, 5, lines)
    # An explicit "symbol" field sends every line through the general (fully checked) conversion.
    general = [line[:-1] + ',"symbol":"BTCUSDT"}' for line in lines]
    (tmp_path / "fast.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "general.jsonl").write_text("\n".join(general) + "\n")

    fast = replay(str(tmp_path / "fast.jsonl"), "BTCUSDT", Decimal("0.01"), Decimal("0.0001"))
    slow = replay(str(tmp_path / "general.jsonl"), "BTCUSDT", Decimal("0.01"), Decimal("0.0001"))

    same = ("ops", "trades", "base_volume", "quote_volume", "events_sha256", "resting")
    assert [fast[key] for key in same] == [slow[key] for key in same]
    assert fast["trades"] > 0


def test_replay_hands_over_one_engine_time_per_operation_behind_the_summary(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    generate(2000, 3, lines)
    path = tmp_path / "ops.jsonl"
    path.write_text("\n".join(lines[:1000]) + "\n\n" + "\n".join(lines[1000:]) + "\n")

    latencies: list[int] = []
    summary = replay(str(path), "BTCUSDT", Decimal("0.01"), Decimal("0.0001"), latencies=latencies)

    assert len(latencies) == summary["ops"] == 2000  # the blank line is no operation
    assert all(ns >= 0 for ns in latencies)
    assert summary["p50_ns"] == sorted(latencies)[1000]


def test_the_summary_hash_is_sha256_of_the_canonical_bytes_of_the_engine_events(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            '{"op":"limit","id":"1","user":"u1","side":"sell","price":"100.01","qty":"0.5","tif":"GTC"}',
            '{"op":"limit","id":"2","user":"u2","side":"buy","price":"100.02","qty":"0.2","tif":"GTC"}',
            '{"op":"cancel","id":"1"}',
            '{"op":"cancel","id":"1"}',
        ],
    )
    engine = new_engine()
    engine.submit(SYMBOL, limit(1, "u1", SELL, 10001, 5000))
    engine.submit(SYMBOL, limit(2, "u2", BUY, 10002, 2000))
    engine.cancel(SYMBOL, 1, "u1")
    engine.cancel(SYMBOL, 1, "u1")
    out = BytesWriter()
    for event in engine.drain():
        encode_event(event, out)

    summary = replay(path, SYMBOL, Decimal("0.01"), Decimal("0.0001"))

    assert summary["events_sha256"] == hashlib.sha256(out.getvalue()).hexdigest()


def test_an_order_with_a_price_beyond_64_bits_is_hashed_by_its_text_without_failing(tmp_path: Path) -> None:
    huge = '{"op":"limit","id":"1","user":"u1","side":"sell","price":"123456789012345678901.00","qty":"1"}'
    small = '{"op":"limit","id":"1","user":"u1","side":"sell","price":"1.00","qty":"1"}'

    summaries = [
        replay(write(tmp_path, [line]), SYMBOL, Decimal("0.01"), Decimal("0.0001")) for line in (huge, small)
    ]

    assert [summary["ops"] for summary in summaries] == [1, 1]
    assert summaries[0]["events_sha256"] != summaries[1]["events_sha256"]
