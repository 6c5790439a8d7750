"""The operators' commands: `wijkbot --version`, `wijkbot backup DIR` on a live data directory,
and the inbox file carrying its schema version like the main database."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.cli import main
from bot.config import Settings
from bot.content.load import load_content
from bot.storage import Database
from bot.telegram.inbox import INBOX_VERSION, Inbox


def test_version_names_package_content_and_model(capsys, monkeypatch) -> None:
    monkeypatch.setenv("WIJKBOT_SEMANTIC", "char")
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out.splitlines()
    settings = Settings.from_env()
    assert out[0].startswith("wijkbot 0.")
    assert out[1] == f"content {load_content(settings.content_dir).version}"
    assert out[2] == "model char-grams-2048 (WIJKBOT_SEMANTIC=char)"


def test_backup_copies_a_data_directory_in_use(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = dataclasses.replace(Settings.from_env(), data_dir=data)
    database = Database.in_data_dir(settings)
    database.table("t", "CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    with database.cursor("t") as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    Inbox(data / "inbox.sqlite3").receive([{"update_id": 7, "message": {"text": "hoi"}}])
    target = tmp_path / "backup"
    done = _backup(data, target)
    assert done.returncode == 0, done.stderr
    copy = sqlite3.connect(target / database.path.name)
    assert copy.execute("SELECT x FROM t").fetchall() == [(1,)]
    again = _backup(data, target)
    assert again.returncode == 1 and "wijkbot backup:" in again.stderr  # not over an old copy


def _backup(data: Path, target: Path) -> subprocess.CompletedProcess[str]:
    env = {"WIJKBOT_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "bot", "backup", str(target)]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def test_the_inbox_file_carries_its_schema_version(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    inbox.waiting()
    inbox.close()
    found = sqlite3.connect(tmp_path / "inbox.sqlite3").execute("PRAGMA user_version").fetchone()
    assert found[0] == INBOX_VERSION == 1
