"""The last FAQ question per chat, in process memory only, for the learning log of a 👎.

Why in memory: a 👎 is worth most with the question it answers, but the question must never be
persisted with anything that points to a chat. So it lives here, scrubbed, under the chat's
pseudonym, for a limited time and a limited number of chats; a restart forgets it all.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CHATS = 1000
MAX_AGE = 3600.0  # seconds: a 👎 an hour later is still counted, but without the question


@dataclass
class RecentQuestions:
    limit: int = MAX_CHATS
    max_age: float = MAX_AGE
    clock: Callable[[], float] = time.monotonic
    _rows: OrderedDict[str, tuple[str, str, float]] = field(default_factory=OrderedDict)

    def put(self, chat_key: str, intent: str, text: str) -> None:
        self._rows.pop(chat_key, None)
        self._rows[chat_key] = (intent, text, self.clock())
        while len(self._rows) > self.limit:
            self._rows.popitem(last=False)

    def take(self, chat_key: str, intent: str) -> str | None:
        """The question that got the answer `intent`, once; None if gone, stale or another."""
        row = self._rows.pop(chat_key, None)
        if row is None:
            return None
        stored_intent, text, at = row
        if stored_intent != intent or self.clock() - at > self.max_age:
            return None
        return text

    def forget(self, chat_key: str) -> None:
        self._rows.pop(chat_key, None)

    def __len__(self) -> int:
        return len(self._rows)
