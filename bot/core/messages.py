"""What goes into the assistant and what comes out: plain data, no transport.

The Telegram handlers, the terminal chat and the `ask`/`eval` commands all speak these types, so
every answer can be tested and timed without a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Decision = Literal["sure", "ambiguous", "not_understood", "action"]


@dataclass(frozen=True)
class Query:
    text: str = ""
    action: str | None = None  # the payload of a pressed button, e.g. "faq:inbraak"
    location: tuple[float, float] | None = None  # (lat, lon) of a shared location
    language: str | None = None  # the client's language code, a hint only
    user: str | None = None  # a pseudonymous key (see bot/core/memory.py), never a raw user id
    awaiting: str | None = None  # what the previous reply asked for, e.g. "plaats"
    private: bool = True  # False in a group: nothing remembered about anyone may be shown
    late: bool = False  # answered after a restart: the reply says it comes late


@dataclass(frozen=True)
class Button:
    label: str
    payload: str  # comes back as Query.action; at most 64 bytes (Telegram callback_data)


@dataclass(frozen=True)
class Venue:
    title: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Ranked:
    """An FAQ entry the matcher ranked for a message, with the score the decision used."""

    entry_id: str
    score: float


@dataclass(frozen=True)
class Reply:
    """One answer, in sections so that each transport can render it its own way."""

    body: str
    footer: str
    alarm_text: str | None = None  # set when the reply must open with the 112 alarm
    line_texts: tuple[str, ...] = ()  # specific lines shown under the body
    lines: tuple[str, ...] = ()  # numbers shown, in display order
    intent: str | None = None
    confidence: float = 0.0
    decision: Decision = "action"
    language: str = "nl"
    wijk: str | None = None
    buurt: str | None = None
    buttons: tuple[Button, ...] = ()
    awaiting: str | None = None
    venue: Venue | None = None
    ask_location: bool = False  # offer a "share my location" button where the transport can
    rules: tuple[str, ...] = field(default=())  # urgency rules that fired
    crisis_text: str | None = None  # 113, right under the alarm (or on top without one)
    danger: str | None = None  # the kind of danger (content/gevaar.yaml), when alarm or crisis
    reasons: tuple[str, ...] = ()  # why the safety lines are there: "rule:<id>", "model:<kind> …"
    candidates: tuple[Ranked, ...] = ()  # the closest entries, as ranked for this decision
    forget: bool = False  # the resident asked to erase what is kept: each door erases its part

    @property
    def alarm(self) -> bool:
        return self.alarm_text is not None

    @property
    def sections(self) -> tuple[str, ...]:
        """Alarm first, then the answer, the specific lines, the footer: the order residents see."""
        parts = [
            self.alarm_text,
            self.crisis_text,
            self.body,
            "\n".join(self.line_texts),
            self.footer,
        ]
        return tuple(p for p in parts if p)

    @property
    def text(self) -> str:
        return "\n\n".join(self.sections)
