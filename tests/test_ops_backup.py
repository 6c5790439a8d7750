"""The data-directory backup: consistent SQLite copies while another connection writes, plain
files alongside, and a target that only its owner can read."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.ops.backup import backup


def rows(db: Path) -> list[tuple[int, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT id, text FROM messages ORDER BY id").fetchall()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=["delete", "wal"])
def data_dir(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A data directory with one database (in either journal mode) holding two committed rows."""
    data = tmp_path / "data"
    data.mkdir()
    with closing(sqlite3.connect(data / "inbox.sqlite")) as conn:
        conn.execute(f"PRAGMA journal_mode={request.param}")
        conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, text TEXT)")
        conn.executemany("INSERT INTO messages VALUES (?, ?)", [(1, "hallo"), (2, "dag")])
        conn.commit()
    return data


@pytest.fixture
def writer(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """The running bot: a connection inside an open write transaction on the database."""
    conn = sqlite3.connect(data_dir / "inbox.sqlite", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO messages VALUES (?, ?)", [(3, "niet af"), (4, "ook niet")])
    yield conn
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()


def test_open_transaction_is_not_copied(
    data_dir: Path, writer: sqlite3.Connection, tmp_path: Path
) -> None:
    copied = backup(data_dir, tmp_path / "backup")
    copy = tmp_path / "backup" / "inbox.sqlite"
    assert copied == [copy]
    assert rows(copy) == [(1, "hallo"), (2, "dag")]
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # the writer is unharmed: it can still commit after the backup
    writer.execute("COMMIT")
    assert rows(data_dir / "inbox.sqlite")[-1] == (4, "ook niet")


def test_committed_rows_in_the_wal_are_copied(data_dir: Path, tmp_path: Path) -> None:
    """Rows committed but not yet checkpointed (still in -wal) belong in the copy."""
    keeper = sqlite3.connect(data_dir / "inbox.sqlite")  # open: keeps the -wal from checkpointing
    try:
        keeper.execute("PRAGMA journal_mode=wal")
        keeper.execute("PRAGMA wal_autocheckpoint=0")
        keeper.execute("INSERT INTO messages VALUES (5, 'vastgelegd')")
        keeper.commit()
        assert (data_dir / "inbox.sqlite-wal").stat().st_size > 0
        backup(data_dir, tmp_path / "backup")
    finally:
        keeper.close()
    assert rows(tmp_path / "backup" / "inbox.sqlite")[-1] == (5, "vastgelegd")


def test_other_files_copied_side_files_skipped(data_dir: Path, tmp_path: Path) -> None:
    (data_dir / "learning").mkdir()
    (data_dir / "learning" / "unanswered.jsonl").write_text('{"q": "waar"}\n')
    (data_dir / "learning" / "memory.db").write_bytes(b"")  # empty: no database yet
    (data_dir / "index.json").write_text("{}")
    (data_dir / "bot.lock").write_text("1234")
    (data_dir / "old.sqlite-journal").write_bytes(b"junk")
    (data_dir / "link.txt").symlink_to(data_dir / "index.json")
    target = tmp_path / "backup"
    copied = backup(data_dir, target)
    assert sorted(p.relative_to(target).as_posix() for p in copied) == [
        "inbox.sqlite",
        "index.json",
        "learning/memory.db",
        "learning/unanswered.jsonl",
    ]
    assert (target / "learning" / "unanswered.jsonl").read_text() == '{"q": "waar"}\n'
    assert sorted(p.name for p in target.iterdir()) == ["inbox.sqlite", "index.json", "learning"]


def test_modes_are_owner_only(data_dir: Path, tmp_path: Path) -> None:
    (data_dir / "sub").mkdir()
    (data_dir / "sub" / "public.txt").write_text("x")
    (data_dir / "sub" / "public.txt").chmod(0o644)
    target = tmp_path / "backup"
    copied = backup(data_dir, target)
    assert mode(target) == 0o700
    assert mode(target / "sub") == 0o700
    assert {mode(p) for p in copied} == {0o600}


def test_an_existing_empty_target_is_used_and_locked_down(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup"
    target.mkdir(mode=0o755)
    assert backup(data_dir, target) == [target / "inbox.sqlite"]
    assert mode(target) == 0o700


def test_refuses_a_non_empty_target(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup"
    target.mkdir()
    (target / "earlier.sqlite").write_text("an earlier backup")
    with pytest.raises(ValueError, match="not an empty directory"):
        backup(data_dir, target)
    assert [p.name for p in target.iterdir()] == ["earlier.sqlite"]


def test_refuses_a_target_that_is_a_file(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "backup").write_text("x")
    with pytest.raises(ValueError, match="not an empty directory"):
        backup(data_dir, tmp_path / "backup")


def test_refuses_a_target_inside_the_data_dir(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="inside the data directory"):
        backup(data_dir, data_dir / "backups" / "today")
    with pytest.raises(ValueError, match="inside the data directory"):
        backup(data_dir, data_dir)
    assert not (data_dir / "backups").exists()


def test_refuses_a_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        backup(tmp_path / "nothing", tmp_path / "backup")
    assert not (tmp_path / "backup").exists()
