"""Renders a core `Reply` for Telegram: escaped HTML, keyboards, and the 4,096-character limit.

Everything the core says is plain text, so everything is escaped here (a resident's "<b>" or "&"
must arrive as typed); only the alarm is made bold, by us, on top. Telegram counts the limit after
entity parsing, in UTF-16 code units, so chunks are measured on the plain text before escaping.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.content.model import Content
from bot.core.messages import Reply

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
FEEDBACK_PREFIX = "fb:"  # fb:+:<intent> / fb:-:<intent>; never a core payload (see on_button)
FEEDBACK_PATTERN = r"^fb:[+-]:.+"  # what parse_feedback reads: its handler's pattern
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup

# Reply-keyboard label key -> the core action it stands for (the core handles menu:*).
MENU_LABELS: dict[str, str] = {
    "knop_wijkagent": "menu:wijkagent",
    "knop_spoed": "menu:spoed",
    "knop_anoniem": "menu:anoniem",
    "knop_vraag": "menu:vraag",
    # Clients without location sharing send the label as text: ask for the place instead.
    "knop_locatie": "menu:wijkagent",
}


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML text and the keyboard that goes with it."""

    text: str
    reply_markup: Markup | None = None


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def render(
    reply: Reply, content: Content, *, private: bool = True, feedback: bool = False
) -> list[Outgoing]:
    """The messages to send for a reply, in order; the keyboard rides on the last one.

    feedback: ask "Was dit nuttig?" with 👍/👎 under an FAQ answer, where offers_feedback allows.
    """
    feedback = feedback and offers_feedback(reply, private)
    question = content.text("feedback_vraag", reply.language) if feedback else ""
    headline = reply.alarm_text or reply.crisis_text  # bold, on top of the first message
    paragraphs = [p for p in (*reply.sections, question) if p]
    chunks = split_paragraphs(paragraphs)
    texts = [
        _html(chunk, bold_first=headline is not None and i == 0) for i, chunk in enumerate(chunks)
    ]
    markup = _markup(reply, content, private, feedback)
    return [Outgoing(text, markup if i == len(texts) - 1 else None) for i, text in enumerate(texts)]


def _html(paragraphs: list[str], *, bold_first: bool) -> str:
    parts = [html.escape(p, quote=False) for p in paragraphs]
    if bold_first and parts:
        parts[0] = f"<b>{parts[0]}</b>"
    return "\n\n".join(parts)


def split_paragraphs(paragraphs: list[str], limit: int = MAX_TEXT) -> list[list[str]]:
    """Groups paragraphs into chunks whose joined plain text fits the limit.

    A paragraph that is itself too long is cut at line ends, then at spaces, then anywhere.
    The first paragraph (the alarm, when there is one) always opens the first chunk.
    """
    pieces: list[str] = []
    for paragraph in paragraphs:
        for part in paragraph.split("\n\n"):
            pieces.extend(_cut(part, limit))
    chunks: list[list[str]] = []
    size = 0
    for piece in pieces:
        extra = tg_len(piece) + (2 if chunks and chunks[-1] else 0)
        if chunks and size + extra <= limit:
            chunks[-1].append(piece)
            size += extra
        else:
            chunks.append([piece])
            size = tg_len(piece)
    return chunks or [[""]]


def _cut(text: str, limit: int) -> list[str]:
    if tg_len(text) <= limit:
        return [text] if text.strip() else []
    for sep in ("\n", " "):
        head, found, _ = text[: _index_for(text, limit)].rpartition(sep)
        if found and head.strip():
            return [head, *_cut(text[len(head) + 1 :], limit)]
    cut = _index_for(text, limit)
    return [text[:cut], *_cut(text[cut:], limit)]


def _index_for(text: str, limit: int) -> int:
    """The largest string index whose prefix fits in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _markup(reply: Reply, content: Content, private: bool, feedback: bool) -> Markup | None:
    extra = [feedback_row(reply.intent or "", content, reply.language)] if feedback else []
    if reply.buttons or extra:
        return inline_keyboard(reply, extra)
    if reply.ask_location and private:
        return main_menu(content, reply.language, private=True)
    return None


def inline_keyboard(
    reply: Reply, extra: list[list[InlineKeyboardButton]] | None = None
) -> InlineKeyboardMarkup:
    """One button per row: labels are whole questions and read best full width.

    extra: rows after the core's buttons (the 👍/👎 row), in the same keyboard.
    """
    rows = []
    for button in reply.buttons:
        size = len(button.payload.encode())
        assert 1 <= size <= MAX_CALLBACK_BYTES, f"callback_data of {size} bytes: {button.payload}"
        rows.append([InlineKeyboardButton(button.label, callback_data=button.payload)])
    return InlineKeyboardMarkup([*rows, *(extra or [])])


def feedback_payload(intent: str, useful: bool) -> str:
    return f"{FEEDBACK_PREFIX}{'+' if useful else '-'}:{intent}"


def parse_feedback(data: str) -> tuple[str, bool] | None:
    """'fb:+:fietsdiefstal' -> ('fietsdiefstal', True); anything else None."""
    prefix, sign, intent = [*data.split(":", 2), "", ""][:3]
    if f"{prefix}:" != FEEDBACK_PREFIX or sign not in ("+", "-") or not intent:
        return None
    return intent, sign == "+"


def offers_feedback(reply: Reply, private: bool) -> bool:
    """👍/👎 under a sure FAQ answer in a private chat; not under an alarm, not when the reply asks
    a question or needs the reply keyboard (Telegram allows one keyboard per message)."""
    return (
        private
        and reply.decision == "sure"
        and bool(reply.intent)
        and not reply.alarm
        and not reply.crisis_text
        and not reply.awaiting
        and not reply.ask_location
        and len(feedback_payload(reply.intent or "", False).encode()) <= MAX_CALLBACK_BYTES
    )


def feedback_row(intent: str, content: Content, language: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            content.text("feedback_ja", language), callback_data=feedback_payload(intent, True)
        ),
        InlineKeyboardButton(
            content.text("feedback_nee", language), callback_data=feedback_payload(intent, False)
        ),
    ]


def without_feedback(markup: object) -> InlineKeyboardMarkup | None:
    """The keyboard minus the 👍/👎 row, once pressed; None when nothing is left."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if not any(str(b.callback_data or "").startswith(FEEDBACK_PREFIX) for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def main_menu(content: Content, language: str, *, private: bool) -> ReplyKeyboardMarkup | None:
    """The resident's main menu; location sharing only where Telegram allows it (private chats)."""
    if not private:
        return None

    def label(key: str) -> str:
        return content.text(key, language)

    rows = [
        [KeyboardButton(label("knop_wijkagent"))],
        [KeyboardButton(label("knop_spoed")), KeyboardButton(label("knop_anoniem"))],
        [KeyboardButton(label("knop_vraag"))],
        [KeyboardButton(label("knop_locatie"), request_location=True)],
    ]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def label_actions(content: Content) -> dict[str, str]:
    """Every language's keyboard label -> action, so pressing a menu button routes as a command."""
    actions: dict[str, str] = {}
    for key, action in MENU_LABELS.items():
        for text in content.texts.get(key, {}).values():
            actions[text.strip().casefold()] = action
    return actions
