"""The embedded store in the data directory: one SQLite file, one secret, small tables.

Why SQLite: one process serves a city, the file needs no server and survives restarts. Why the
pattern below: every kind of state (the remembered wijk here; a learning log elsewhere) is a small
class over a shared `Database` that creates its own table on first use, so adding a table never
touches the others, and a server database can later replace a class without touching the core
(the core only knows Protocols such as bot.core.memory.WijkMemory).

Users are stored under an HMAC of the key the caller passes (bot.core.memory.pseudonym), with a
secret
kept next to the database: even a caller that passes a raw Telegram id leaves no id in the file.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import Settings
from bot.core.memory import Remembered, pseudonym

log = logging.getLogger(__name__)

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


class StorageError(Exception):
    """The database cannot serve this access now (damaged, locked, disk full): callers fall
    back to a default. Storage is best-effort; an answer never waits for it."""


SCHEMA_VERSION = 2  # PRAGMA user_version; MIGRATIONS bring an older file up to it
# version -> statements that bring version - 1 to it; each runs only if its table exists.
MIGRATIONS: dict[int, list[tuple[str, str]]] = {
    2: [("learning_log", "ALTER TABLE learning_log ADD COLUMN reasons TEXT")],
}
BUSY_TIMEOUT = 0.1  # seconds one access may wait for another process's lock
PAUSE_SECONDS = 5.0  # after a failure, storage is skipped for this long (no stall per message)
_DAMAGED = ("malformed", "not a database", "file is encrypted", "disk image")


class Database:
    """One SQLite connection shared by the stores; opened lazily, so `wijkbot ask` writes nothing.

    Each store registers its schema with `table()`; statements run under one lock because the
    Telegram application may call from more than one thread. A damaged file is moved aside (one
    ERROR in the log) and a new one started; a locked or full one pauses storage for a few
    seconds. Either way `cursor()` raises StorageError and the caller uses its default.
    """

    def __init__(self, path: Path, prepare: Callable[[], object] | None = None) -> None:
        self.path = path
        self._prepare = prepare
        self._connection: sqlite3.Connection | None = None
        self._schemas: dict[str, str] = {}
        self._created: set[str] = set()
        self._lock = threading.Lock()
        self._paused_until = 0.0

    @classmethod
    def in_data_dir(cls, settings: Settings) -> Database:
        return cls(settings.data_dir / DATABASE_FILE, prepare=settings.ensure_data_dir)

    def table(self, name: str, ddl: str) -> None:
        """Declares a table (CREATE TABLE IF NOT EXISTS …), created on first use."""
        self._schemas[name] = ddl

    @contextmanager
    def cursor(self, table: str) -> Iterator[sqlite3.Cursor]:
        """A cursor inside a transaction, with `table` created if needed."""
        if time.monotonic() < self._paused_until:
            raise StorageError("storage paused after a failure")
        with self._lock:
            try:
                connection = self._connect()
                if table not in self._created:
                    connection.execute(self._schemas[table])
                    self._created.add(table)
                with connection:
                    yield connection.cursor()
            except sqlite3.DatabaseError as exc:
                self._failed(exc)
                raise StorageError(type(exc).__name__) from exc
            except OSError as exc:  # the data directory itself went away or became read-only
                self._paused_until = time.monotonic() + PAUSE_SECONDS
                raise StorageError(type(exc).__name__) from exc

    def _failed(self, exc: sqlite3.DatabaseError) -> None:
        if any(word in str(exc).lower() for word in _DAMAGED):
            self._move_aside()
        else:  # locked by another process, disk full, read-only: try again in a moment
            self._paused_until = time.monotonic() + PAUSE_SECONDS
            log.warning("storage unavailable (%s); answering without it for now", exc)

    def _move_aside(self) -> None:
        """A damaged file is kept for inspection, never deleted, and a new one is started."""
        self._close()
        broken = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{broken}{suffix}"))
        self._created.clear()
        log.error("database damaged: moved aside to %s; starting a new one", broken.name)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if self._prepare is not None:
                self._prepare()
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            new = not self.path.exists()
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, check_same_thread=False)
            try:
                if new:
                    self.path.chmod(0o600)
                connection.execute("PRAGMA journal_mode=WAL")
                # With WAL, NORMAL syncs at checkpoints instead of every commit: a power cut can
                # lose the last counts, never corrupt the file; it saves most of a millisecond.
                connection.execute("PRAGMA synchronous = NORMAL")
                # Deleted rows (/vergeet, purges) are overwritten on disk, not just unlinked.
                connection.execute("PRAGMA secure_delete = ON")
                migrate(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._close()


def migrate(connection: sqlite3.Connection) -> int:
    """Brings the file to SCHEMA_VERSION; returns the version it had.

    A file without tables is new: its tables are created in the current shape on first use. A
    file from before versions were kept (user_version 0, tables present) is version 1.
    """
    found = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    version = found or (1 if tables else SCHEMA_VERSION)
    with connection:
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for table, statement in MIGRATIONS.get(step, []):
                if table in tables:
                    connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return found


class SqliteWijkMemory:
    """bot.core.memory.WijkMemory in SQLite: a keyed hash, a CBS code and a date; nothing else."""

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
        """None when nothing is remembered, or when storage cannot answer now."""
        try:
            with self.database.cursor(self.TABLE) as cur:
                row = cur.execute(
                    "SELECT code, since FROM wijk_memory WHERE user_key = ?", (self._key(user),)
                ).fetchone()
        except StorageError:
            return None
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
