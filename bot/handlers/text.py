"""Text messages: everything goes through the core, menu-keyboard labels as their actions."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import (
    AWAITING_KEY,
    is_private,
    language_of,
    send_reply,
    services,
    user_key,
)
from bot.handlers.gate import without_mention
from bot.messages import Query


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = (
        message.text if is_private(update) else without_mention(message.text, context.bot.username)
    )
    svc = services(context)
    action = svc.labels.get(text.strip().casefold())
    awaiting = context.chat_data.get(AWAITING_KEY) if context.chat_data is not None else None
    query = Query(
        text="" if action else text,
        action=action,
        language=language_of(update),
        user=user_key(update, context),
        awaiting=None if action else awaiting,
    )
    reply = await svc.assistant.reply(query)
    await send_reply(update, context, reply)
