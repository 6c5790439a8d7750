"""The small conversation state of a chat (what the bot awaits, e.g. "plaats"), in SQLite.

Why not python-telegram-bot's PicklePersistence: it keys chat_data by the raw chat id, so the data
directory would hold Telegram ids. Here a chat is stored under an HMAC of its id
(bot.core.memory.pseudonym, the same secret as the wijk memory), the value is one short word, and a
row expires after a day: an answer to "waar woont u?" a day later is a new question anyway.

The expiry is stored rounded up to the hour, so the table does not record when someone wrote.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from bot.storage import Database, StorageError

DEFAULT_TTL = 24 * 3600  # seconds
HOUR = 3600
MAX_VALUE = 32  # "plaats" and the like; anything longer is not conversation state


class ConversationState:
    """Awaited answers per chat pseudonym, with an expiry; no ids, no text."""

    TABLE = "conversation_state"
    DDL = (
        "CREATE TABLE IF NOT EXISTS conversation_state ("
        " chat_key TEXT PRIMARY KEY,"  # HMAC-SHA256 of the chat id, hex
        " awaiting TEXT NOT NULL,"  # e.g. "plaats"
        " expires INTEGER NOT NULL)"  # unix time, rounded up to the hour
    )

    def __init__(
        self,
        database: Database,
        *,
        ttl: int = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.ttl = ttl
        self.clock = clock
        database.table(self.TABLE, self.DDL)

    def get(self, chat_key: str) -> str | None:
        """What the chat's last reply waits for; None too when storage cannot answer now (the
        message is then read as a new question, never lost)."""
        try:
            with self.database.cursor(self.TABLE) as cur:
                row = cur.execute(
                    "SELECT awaiting FROM conversation_state WHERE chat_key = ? AND expires > ?",
                    (chat_key, int(self.clock())),
                ).fetchone()
        except StorageError:
            return None
        return row[0] if row else None

    def set(self, chat_key: str, awaiting: str | None) -> None:
        """Remembers what the chat's last reply waits for; None clears it."""
        if not awaiting:
            self.clear(chat_key)
            return
        expires = -(-int(self.clock() + self.ttl) // HOUR) * HOUR
        with contextlib.suppress(StorageError), self.database.cursor(self.TABLE) as cur:
            cur.execute(
                "INSERT INTO conversation_state (chat_key, awaiting, expires) VALUES (?, ?, ?)"
                " ON CONFLICT(chat_key) DO UPDATE SET awaiting = excluded.awaiting,"
                " expires = excluded.expires",
                (chat_key, awaiting[:MAX_VALUE], expires),
            )

    def clear(self, chat_key: str) -> bool:
        try:
            with self.database.cursor(self.TABLE) as cur:
                cur.execute("DELETE FROM conversation_state WHERE chat_key = ?", (chat_key,))
                return cur.rowcount > 0
        except StorageError:
            return False

    def purge_expired(self) -> int:
        with self.database.cursor(self.TABLE) as cur:
            cur.execute("DELETE FROM conversation_state WHERE expires <= ?", (int(self.clock()),))
            return cur.rowcount
