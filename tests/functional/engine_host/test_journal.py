"""The local write-ahead journal survives torn writes and rotates on snapshots."""

from pathlib import Path

from engine_host.journal import JournalEntry, LocalJournal


def entries(first: int, last: int) -> list[JournalEntry]:
    return [JournalEntry(seq, f"c{seq}", b'{"n":%d}' % seq) for seq in range(first, last + 1)]


def test_a_torn_record_at_the_tail_is_cut_off_and_appending_continues(tmp_path: Path) -> None:
    journal = LocalJournal(tmp_path)
    journal.open()
    journal.append(entries(1, 5))
    journal.sync()
    journal.close()
    with journal.log_path.open("ab") as log:
        log.write(b"\x10\x00\x00\x00garbage")  # a crash in the middle of the next record
    journal.open()
    journal.append(entries(6, 6))
    journal.sync()
    assert [e.seq for e in journal.load().entries] == [1, 2, 3, 4, 5, 6]


def test_a_snapshot_rotates_the_log_and_keeps_the_previous_one_for_deduplication(tmp_path: Path) -> None:
    journal = LocalJournal(tmp_path)
    journal.open()
    journal.append(entries(1, 3))
    journal.write_snapshot(b"SNAP")
    journal.append(entries(4, 4))
    journal.sync()
    contents = journal.load()
    assert contents.snapshot == b"SNAP"
    assert [e.seq for e in contents.previous] == [1, 2, 3]
    assert [e.command_id for e in contents.entries] == ["c4"]
