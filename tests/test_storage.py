"""The SQLite file: schema versions with migrations from the previous version, and storage that
fails softly (a damaged file is moved aside, a locked one is skipped for a moment)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bot.operators import learning
from bot.storage import SCHEMA_VERSION, Database, StorageError

# learning_log as session 2 created it (schema version 1, no user_version set)
V1_LEARNING_LOG = (
    "CREATE TABLE learning_log (day TEXT NOT NULL, decision TEXT NOT NULL, text TEXT NOT NULL,"
    " top_intents TEXT NOT NULL, content_version TEXT NOT NULL, intent TEXT)"
)


def test_a_file_from_the_previous_version_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "wijkbot.sqlite3"
    old = sqlite3.connect(path)
    old.execute(V1_LEARNING_LOG)
    row = ("2026-11-30", "not_understood", "oude vraag", "[]", "v", None)
    old.execute("INSERT INTO learning_log VALUES (?, ?, ?, ?, ?, ?)", row)
    old.commit()
    old.close()

    store = learning.SqliteLearningStore(Database(path))
    [kept] = store.messages("2000-01-01")
    assert kept.text == "oude vraag" and kept.reasons == ()
    store.add_message(
        learning.LearnedMessage(
            "2026-12-01", "model_alarm", "nieuw", (), "v", reasons=("model:medisch 0.9",)
        )
    )
    assert [m.reasons for m in store.messages("2026-12-01")] == [("model:medisch 0.9",)]
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    check.close()


def test_a_new_file_starts_at_the_current_version(tmp_path: Path) -> None:
    store = learning.SqliteLearningStore(Database(tmp_path / "db.sqlite3"))
    store.add_reply("2026-12-01", "groet", "sure", False)
    check = sqlite3.connect(tmp_path / "db.sqlite3")
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = [r[1] for r in check.execute("PRAGMA table_info(learning_log)")]
    check.close()
    assert columns == [] or "reasons" in columns


def test_a_damaged_file_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "wijkbot.sqlite3"
    path.write_bytes(b"garbage, not sqlite" * 200)
    database = Database(path)
    store = learning.SqliteLearningStore(database)
    with pytest.raises(StorageError):
        store.add_reply("2026-12-01", "groet", "sure", False)
    assert [p.name for p in tmp_path.iterdir() if ".damaged-" in p.name]
    store.add_reply("2026-12-01", "groet", "sure", False)  # the new file works
    assert store.reply_counts("2026-12-01")[0].count == 1


def test_a_locked_file_pauses_storage_instead_of_stalling(tmp_path: Path) -> None:
    path = tmp_path / "wijkbot.sqlite3"
    store = learning.SqliteLearningStore(Database(path))
    store.add_reply("2026-12-01", "groet", "sure", False)
    other = sqlite3.connect(path, timeout=1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(StorageError):
            store.add_reply("2026-12-01", "groet", "sure", False)
        with pytest.raises(StorageError):  # paused: no second wait
            store.add_reply("2026-12-01", "groet", "sure", False)
        assert time.monotonic() - started < 0.5
    finally:
        other.rollback()
        other.close()
