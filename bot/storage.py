"""The embedded store in the data directory: one SQLite file, one secret, small tables.

Why SQLite: one process serves a city, the file needs no server and survives restarts. Why the
pattern below: every kind of state (the remembered wijk here; a learning log elsewhere) is a small
class over a shared `Database` that creates its own table on first use, so adding a table never
touches the others, and a server database can later replace a class without touching the core
(the core only knows Protocols such as bot.memory.WijkMemory).

Users are stored under an HMAC of the key the caller passes (bot.memory.pseudonym), with a secret
kept next to the database: even a caller that passes a raw Telegram id leaves no id in the file.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import Settings
from bot.memory import Remembered, pseudonym

DATABASE_FILE = "wijkbot.sqlite3"
SECRET_FILE = "pseudonym.key"
SECRET_BYTES = 32


def load_or_create_secret(data_dir: Path) -> bytes:
    """The HMAC secret in the data directory, created (0600) the first time it is needed.

    Losing it only means residents are asked for their wijk again; it is never logged.
    """
    path = data_dir / SECRET_FILE
    try:
        secret = path.read_bytes()
        if len(secret) >= 16:
            return secret
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = secrets.token_bytes(SECRET_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret)
    return secret


class Database:
    """One SQLite connection shared by the stores; opened lazily, so `wijkbot ask` writes nothing.

    Each store registers its schema with `table()`; statements run under one lock because the
    Telegram application may call from more than one thread.
    """

    def __init__(self, path: Path, prepare: Callable[[], object] | None = None) -> None:
        self.path = path
        self._prepare = prepare
        self._connection: sqlite3.Connection | None = None
        self._schemas: dict[str, str] = {}
        self._created: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def in_data_dir(cls, settings: Settings) -> Database:
        return cls(settings.data_dir / DATABASE_FILE, prepare=settings.ensure_data_dir)

    def table(self, name: str, ddl: str) -> None:
        """Declares a table (CREATE TABLE IF NOT EXISTS …), created on first use."""
        self._schemas[name] = ddl

    @contextmanager
    def cursor(self, table: str) -> Iterator[sqlite3.Cursor]:
        """A cursor inside a transaction, with `table` created if needed."""
        with self._lock:
            connection = self._connect()
            if table not in self._created:
                connection.execute(self._schemas[table])
                self._created.add(table)
            with connection:
                yield connection.cursor()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if self._prepare is not None:
                self._prepare()
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            new = not self.path.exists()
            self._connection = sqlite3.connect(self.path, check_same_thread=False)
            if new:
                self.path.chmod(0o600)
            self._connection.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints instead of every commit: a power cut can lose
            # the last counts, never corrupt the file; it saves most of a millisecond a reply.
            self._connection.execute("PRAGMA synchronous = NORMAL")
            # Deleted rows (/vergeet, purges) are overwritten on disk, not just unlinked.
            self._connection.execute("PRAGMA secure_delete = ON")
        return self._connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class SqliteWijkMemory:
    """bot.memory.WijkMemory in SQLite: a keyed hash, a CBS code and a date; nothing else."""

    TABLE = "wijk_memory"
    DDL = (
        "CREATE TABLE IF NOT EXISTS wijk_memory ("
        " user_key TEXT PRIMARY KEY,"  # HMAC-SHA256 of the caller's key, hex
        " code TEXT NOT NULL,"  # a CBS buurt or wijk code
        " since TEXT NOT NULL)"  # ISO date the resident agreed
    )

    def __init__(self, database: Database, secret: bytes | Callable[[], bytes]) -> None:
        self.database = database
        database.table(self.TABLE, self.DDL)
        self._secret = secret

    @classmethod
    def in_data_dir(cls, settings: Settings, database: Database | None = None) -> SqliteWijkMemory:
        """The memory of `wijkbot chat` and the bot; touches the disk only when first used."""

        def secret() -> bytes:
            return load_or_create_secret(settings.ensure_data_dir())

        return cls(database or Database.in_data_dir(settings), secret)

    def _key(self, user: str) -> str:
        if callable(self._secret):
            self._secret = self._secret()
        return pseudonym(user, self._secret)

    def recall(self, user: str) -> Remembered | None:
        with self.database.cursor(self.TABLE) as cur:
            row = cur.execute(
                "SELECT code, since FROM wijk_memory WHERE user_key = ?", (self._key(user),)
            ).fetchone()
        return Remembered(row[0], row[1]) if row else None

    def remember(self, user: str, code: str, since: str) -> None:
        with self.database.cursor(self.TABLE) as cur:
            cur.execute(
                "INSERT INTO wijk_memory (user_key, code, since) VALUES (?, ?, ?)"
                " ON CONFLICT(user_key) DO UPDATE SET code = excluded.code, since = excluded.since",
                (self._key(user), code, since),
            )

    def forget(self, user: str) -> bool:
        with self.database.cursor(self.TABLE) as cur:
            cur.execute("DELETE FROM wijk_memory WHERE user_key = ?", (self._key(user),))
            return cur.rowcount > 0
