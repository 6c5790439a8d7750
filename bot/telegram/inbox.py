"""The durable inbox: every update is on disk before Telegram may forget it, until it is answered.

Why: python-telegram-bot confirms a batch of updates to Telegram when it fetches the next one,
before they are answered. A crash, an out-of-memory kill or a power cut in between lost them:
400 messages queued, `kill -9` after a second, 341 never answered, 69 of them emergencies. Now the
getUpdates answer is written here first (bot/telegram/request.py: UpdatesRequest) in one fsync'ed
transaction, each update is marked done once its reply is sent, and at start-up the ones not done
are answered, late but answered. An update id already known is never answered twice.

Privacy: the raw update holds the message and the sender's id; it is kept only until it is answered
(then erased, with SQLite's secure_delete) and the bare id for two days, to recognise a repeat.
If the inbox cannot be written the bot answers anyway (logged): durability never costs a reply.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

INBOX_FILE = "inbox.sqlite3"
RETRY_SECONDS = 60.0
INBOX_VERSION = 1  # PRAGMA user_version of the inbox file
KEEP_IDS_SECONDS = 2 * 24 * 3600  # Telegram keeps an update for 24 hours; twice that is safe
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inbox ("
    " update_id INTEGER PRIMARY KEY,"
    " raw TEXT,"  # the update as Telegram sent it; NULL once answered
    " received REAL NOT NULL,"
    " done INTEGER NOT NULL DEFAULT 0)"
)


class Inbox:
    """One SQLite file of its own (synchronous=FULL: it must survive a power cut)."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._retry_at = 0.0  # after a failure the bot answers without the inbox for a while

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            new = not self.path.exists()
            db = sqlite3.connect(self.path, timeout=0.5, check_same_thread=False)
            if new:
                self.path.chmod(0o600)
            # A rollback journal, not WAL: an answered update's text is overwritten in place
            # (secure_delete) and the journal holding its old page is unlinked at commit, so
            # nothing of it stays in any file; a write-ahead log would keep it until a checkpoint.
            db.execute("PRAGMA journal_mode=DELETE")
            db.execute("PRAGMA secure_delete=ON")
            db.execute(SCHEMA)
            # Version 1 is the only layout so far; a later one migrates from this number
            # (as bot/storage.py does for the main file).
            if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                db.execute(f"PRAGMA user_version = {INBOX_VERSION}")
            self._db = db
        return self._db

    def _run(
        self, work: Callable[[sqlite3.Connection], Any], default: Any, *, durable: bool = False
    ) -> Any:
        """One transaction; on a storage failure the default, and a minute without the inbox.

        durable: fsync'ed before it returns (a received update must survive a power cut; a
        "done" mark lost to one only means an answer twice, never none).
        """
        if time.monotonic() < self._retry_at:
            return default
        try:
            with self._lock:
                db = self._connect()
                db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                with db:
                    return work(db)
        except (sqlite3.Error, OSError) as exc:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            log.error("inbox unusable (%s): answering without it for now", type(exc).__name__)
            return default

    def receive(self, updates: Iterable[dict[str, Any]]) -> set[int]:
        """Stores new updates; returns the ids already known (answered, or waiting from before)."""
        batch = [u for u in updates if isinstance(u.get("update_id"), int)]

        def work(db: sqlite3.Connection) -> set[int]:
            ids = [u["update_id"] for u in batch]
            marks = ",".join("?" * len(ids))
            known = {
                r[0]
                for r in db.execute(
                    f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", ids
                )
            }
            now = self.clock()
            db.executemany(
                "INSERT OR IGNORE INTO inbox (update_id, raw, received) VALUES (?, ?, ?)",
                [
                    (u["update_id"], json.dumps(u), now)
                    for u in batch
                    if u["update_id"] not in known
                ],
            )
            return known

        return self._run(work, set(), durable=True) if batch else set()

    def done(self, update_id: int) -> None:
        """Answered: the text and ids go, the bare number stays to recognise a repeat."""
        self._run(
            lambda db: db.execute(
                "UPDATE inbox SET done = 1, raw = NULL WHERE update_id = ?", (update_id,)
            ),
            None,
        )

    def waiting(self) -> list[tuple[dict[str, Any], float]]:
        """Updates received but not answered (a crash in between), oldest first, with when."""

        def work(db: sqlite3.Connection) -> list[tuple[dict[str, Any], float]]:
            rows = db.execute(
                "SELECT raw, received FROM inbox WHERE done = 0 ORDER BY update_id"
            ).fetchall()
            return [(json.loads(raw), received) for raw, received in rows if raw]

        return self._run(work, [])

    def backlog(self) -> int:
        return self._run(
            lambda db: db.execute("SELECT count(*) FROM inbox WHERE done = 0").fetchone()[0], 0
        )

    def purge(self) -> int:
        """Answered ids older than two days; never an unanswered update."""
        cutoff = self.clock() - KEEP_IDS_SECONDS
        return self._run(
            lambda db: (
                db.execute("DELETE FROM inbox WHERE done = 1 AND received < ?", (cutoff,)).rowcount
            ),
            0,
        )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
