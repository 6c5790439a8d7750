"""Opt-in memory in SQLite: a keyed hash, a code and a date; /vergeet removes the row."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot.config import Settings
from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.memory import pseudonym
from bot.core.messages import Query
from bot.storage import DATABASE_FILE, SECRET_FILE, Database, SqliteWijkMemory

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
RAW_ID = "987654321"


def _settings(data_dir: Path) -> Settings:
    return replace(Settings.from_env(str(CONTENT_DIR)), data_dir=data_dir)


def _rows(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / DATABASE_FILE) as db:
        return db.execute("SELECT user_key, code, since FROM wijk_memory").fetchall()


def test_store_round_trip_without_raw_ids(tmp_path: Path) -> None:
    data = tmp_path / "data"
    memory = SqliteWijkMemory.in_data_dir(_settings(data))
    assert not data.exists()  # nothing is written before the first use
    assert memory.recall(RAW_ID) is None
    memory.remember(RAW_ID, "BU01500602", "2026-11-28")
    memory.remember(RAW_ID, "WK015002", "2026-11-29")  # a second answer replaces the first
    again = SqliteWijkMemory.in_data_dir(_settings(data))  # a restart
    remembered = again.recall(RAW_ID)
    assert remembered is not None and (remembered.code, remembered.since) == (
        "WK015002",
        "2026-11-29",
    )
    rows = _rows(data)
    secret = (data / SECRET_FILE).read_bytes()
    assert rows == [(pseudonym(RAW_ID, secret), "WK015002", "2026-11-29")]
    dump = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("wijkbot"))
    assert RAW_ID.encode() not in dump
    assert (data.stat().st_mode & 0o777) == 0o700
    assert ((data / SECRET_FILE).stat().st_mode & 0o777) == 0o600
    assert again.forget(RAW_ID) and not again.forget(RAW_ID)
    assert _rows(data) == []


def test_stores_share_one_database(tmp_path: Path) -> None:
    database = Database(tmp_path / "shared.sqlite3")
    a = SqliteWijkMemory(database, b"k" * 32)
    database.table("log", "CREATE TABLE IF NOT EXISTS log (line TEXT)")  # another store's table
    with database.cursor("log") as cur:
        cur.execute("INSERT INTO log VALUES ('x')")
    a.remember("u", "WK015001", "2026-11-28")
    assert a.recall("u") is not None
    database.close()
    with sqlite3.connect(tmp_path / "shared.sqlite3") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"log", "wijk_memory"}


async def test_remember_recall_and_vergeet_through_the_assistant(
    content: Content, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assistant = Assistant(content, memory=SqliteWijkMemory.in_data_dir(_settings(data)))
    user = "pseudonym-of-a-resident"
    first = await assistant.reply(Query(text="wie is de wijkagent van Tuindorp", user=user))
    assert first.buttons[0].payload == "remember:BU01500602"
    await assistant.reply(Query(action=first.buttons[0].payload, user=user))
    assert [r[1] for r in _rows(data)] == ["BU01500602"]
    direct = await assistant.reply(Query(text="wie is mijn wijkagent?", user=user))
    assert direct.wijk == "WK015006" and direct.awaiting is None
    await assistant.reply(Query(action="vergeet", user=user))
    assert _rows(data) == []
    asked = await assistant.reply(Query(text="wie is mijn wijkagent?", user=user))
    assert asked.awaiting == "plaats" and asked.wijk is None


def _chat(data: Path, lines: str) -> str:
    env = {**os.environ, "WIJKBOT_OFFLINE": "1", "WIJKBOT_DATA_DIR": str(data)}
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--content", str(CONTENT_DIR), "chat"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_terminal_chat_remembers_across_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _chat(data, "wie is de wijkagent van Tuindorp\n1\n")
    assert [r[1] for r in _rows(data)] == ["BU01500602"]
    second = _chat(data, "wie is mijn wijkagent?\n")
    assert "Tuindorp" in second and "Keizerslanden" in second
    _chat(data, "/vergeet\n")
    assert _rows(data) == []
