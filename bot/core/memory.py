"""The little a resident lets the bot remember: their wijk or buurt code and the date.

Stored under a keyed hash of the user id (HMAC-SHA256 with a secret kept in the data directory),
so the store never holds an id that identifies anyone on its own. The store is a small Protocol so
that a server database can replace the embedded one without touching the core.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Remembered:
    code: str  # a CBS buurt or wijk code
    since: str  # ISO date the resident agreed


class WijkMemory(Protocol):
    def recall(self, user: str) -> Remembered | None: ...

    def remember(self, user: str, code: str, since: str) -> None: ...

    def forget(self, user: str) -> bool: ...


class InMemoryWijkMemory:
    """For the terminal chat and tests: forgotten when the process ends."""

    def __init__(self) -> None:
        self._rows: dict[str, Remembered] = {}

    def recall(self, user: str) -> Remembered | None:
        return self._rows.get(user)

    def remember(self, user: str, code: str, since: str) -> None:
        self._rows[user] = Remembered(code, since)

    def forget(self, user: str) -> bool:
        return self._rows.pop(user, None) is not None


def pseudonym(user_id: int | str, secret: bytes) -> str:
    """A stable key for a user that cannot be turned back into the id without the secret."""
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()
