"""What every part of a reply works with: the content, the indexes, memory, live data, texts.

Why a plain dataclass passed to functions: the routing (assistant.py), the safety lines
(safety.py), FAQ answers, the police station, the wijkagent dialogue and the buttons each live in a
module of their own and share these parts without a base class or a cycle of imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.content.model import Content
from bot.core.districts import Districts, Place
from bot.core.live import LiveLookup
from bot.core.matcher import Matcher
from bot.core.memory import Remembered, WijkMemory
from bot.core.messages import Button, Query, Venue
from bot.core.text import Normaliser

MATCH_CHARS = 600  # a long story is matched on its start; urgency reads all of it
LIVE_TIMEOUT_SECONDS = 3.0
AWAIT_PLACE = "plaats"


@dataclass(frozen=True)
class Answer:
    """The part of a reply that depends on the question; safety.finish adds the safety lines."""

    body: str
    decision: str = "action"
    intent: str | None = None
    confidence: float = 0.0
    line_ids: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    place: Place | None = None
    awaiting: str | None = None
    venue: Venue | None = None
    ask_location: bool = False
    forget: bool = False  # the resident asked to erase what is stored (the doors erase theirs)


@dataclass(frozen=True)
class Desk:
    content: Content
    normaliser: Normaliser
    districts: Districts
    matcher: Matcher
    memory: WijkMemory
    live: LiveLookup | None
    today: Callable[[], dt.date]

    def t(self, key: str, language: str, **values: object) -> str:
        return self.content.text(key, language, **values)

    def numbers(self) -> dict[str, str]:
        """Every line's number by id, for texts that name them ({spoed}, {geen_spoed}, …)."""
        return {key: line.nummer for key, line in self.content.lines.items()}

    def recall(self, query: Query) -> Remembered | None:
        """What the resident let us remember; never in a group, where others would read it."""
        if not query.user or not query.private:
            return None
        return self.memory.recall(query.user)


def prepend(answer: Answer, note: str) -> Answer:
    return replace(answer, body=f"{note}\n\n{answer.body}")
