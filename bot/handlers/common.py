"""What every handler shares: the services, the resident's pseudonym and language, and sending.

Handlers never decide what to answer: they build a Query, ask the core, and send the rendered
Reply. Sending lives here so that the order residents see (text first, alarm on top, then the
station as a venue) is the same for every kind of update.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import ReplyParameters, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.content import Content
from bot.handlers.flood import FloodControl
from bot.memory import pseudonym
from bot.messages import Reply
from bot.replies import Outgoing, label_actions, render

log = logging.getLogger(__name__)

SERVICES_KEY = "wijkbot"
AWAITING_KEY = "awaiting"


@dataclass
class Services:
    """Built once at start-up and kept in bot_data (which is never persisted)."""

    assistant: Any  # bot.assistant.Assistant, or anything with `async reply(Query) -> Reply`
    secret: bytes
    flood: FloodControl = field(default_factory=FloodControl)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> Content:
        return self.assistant.content

    @classmethod
    def create(cls, assistant: Any, secret: bytes, flood: FloodControl | None = None) -> Services:
        return cls(
            assistant=assistant,
            secret=secret,
            flood=flood or FloodControl(),
            labels=label_actions(assistant.content),
        )


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


def language_of(update: Update) -> str | None:
    user = update.effective_user
    code = user.language_code if user else None
    return code[:2].lower() if code else None


def user_key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    user = update.effective_user
    return pseudonym(user.id, services(context).secret) if user else None


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def kind_reply(content: Content, key: str, language: str | None) -> Reply:
    """A fixed text with the footer, for answers that do not need the core (flood, stickers…)."""
    lang = language if language in ("nl", "en") else "nl"
    numbers = {k: line.nummer for k, line in content.lines.items()}
    return Reply(
        body=content.text(key, lang, **numbers),
        footer=content.text("footer", lang, **numbers),
        language=lang,
    )


async def send_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply, *, remember: bool = True
) -> None:
    """Sends the rendered reply (and the venue), and keeps what it asked for in chat_data."""
    chat = update.effective_chat
    chat_id = chat.id if chat else (update.effective_user.id if update.effective_user else None)
    if chat_id is None:
        return
    private = is_private(update)
    await send_messages(
        update, context, chat_id, render(reply, services(context).content, private=private)
    )
    if reply.venue is not None:
        venue = reply.venue
        await context.bot.send_venue(
            chat_id,
            latitude=venue.lat,
            longitude=venue.lon,
            title=venue.title,
            address=venue.address,
        )
    if remember and context.chat_data is not None:
        if reply.awaiting:
            context.chat_data[AWAITING_KEY] = reply.awaiting
        else:
            context.chat_data.pop(AWAITING_KEY, None)


async def send_messages(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int, messages: list[Outgoing]
) -> None:
    # In a group, answer as a reply so it is clear whom the bot is talking to.
    message = update.message
    quote = None
    if not is_private(update) and message is not None:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    for out in messages:
        await context.bot.send_message(
            chat_id, out.text, reply_markup=out.reply_markup, reply_parameters=quote
        )
        quote = None
