"""The gate in front of all handlers: group etiquette and flood control.

Runs in an earlier handler group and stops an update with ApplicationHandlerStop, so no other
handler needs to know about groups or floods.
"""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.telegram.handlers.common import (
    Services,
    is_emergency,
    language_of,
    message_text,
    send_reply,
    services,
)

GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not wanted(update, context.bot.id, context.bot.username):
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None or update.channel_post or update.edited_channel_post:
        return
    svc = services(context)
    verdict = svc.flood.check(user.id)
    if verdict == "ok" or await _emergency(update, svc):  # an emergency passes every gate
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if verdict == "notice":
        reply = svc.assistant.fixed_reply("te_veel", language_of(update), message_text(update))
        await send_reply(update, context, reply, remember=False)
    raise ApplicationHandlerStop


async def _emergency(update: Update, svc: Services) -> bool:
    """The rules at once, else the model too (only for a message flood control would stop)."""
    if is_emergency(update, svc):
        return True
    text = message_text(update)
    if not text or text.startswith("/"):
        return False
    urgency = await svc.assistant.safety(text)
    return urgency.alarm or urgency.crisis


def wanted(update: Update, bot_id: int, username: str | None) -> bool:
    """In groups: commands and messages that mention or reply to the bot; everything elsewhere."""
    chat = update.effective_chat
    if chat is None or chat.type not in GROUPS or update.callback_query is not None:
        return True
    message = update.message
    if message is None:  # edited messages and the like: not worth a group's attention
        return False
    if _replies_to(message, bot_id):
        return True
    text = message.text or message.caption or ""
    if text.startswith("/"):
        return addressed_to(text, username, strict=False)
    return mentions(message, bot_id, username)


def _replies_to(message: Message, bot_id: int) -> bool:
    original = message.reply_to_message
    return bool(original and original.from_user and original.from_user.id == bot_id)


def addressed_to(command_text: str, username: str | None, *, strict: bool) -> bool:
    """'/help' is for every bot (unless strict), '/help@OtherBot' is not for us."""
    name = command_text.split()[0]
    if "@" not in name:
        return not strict
    return username is not None and name.split("@", 1)[1].lower() == username.lower()


def mentions(message: Message, bot_id: int, username: str | None) -> bool:
    entities = message.parse_entities([MessageEntityType.MENTION, MessageEntityType.TEXT_MENTION])
    for entity, value in entities.items():
        if (
            entity.type == MessageEntityType.TEXT_MENTION
            and entity.user
            and entity.user.id == bot_id
        ):
            return True
        if username and value.lower() == f"@{username.lower()}":
            return True
    return False


def without_mention(text: str, username: str | None) -> str:
    """The question without '@wijkbot', so the core reads only what the resident asked."""
    if not username:
        return text
    return re.sub(rf"@{re.escape(username)}\b", "", text, flags=re.IGNORECASE).strip()
