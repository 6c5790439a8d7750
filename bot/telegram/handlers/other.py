"""Everything that is not text, a location, a command or a button: a kind reply, or silence.

Stickers, photos, voice, documents, contacts, polls… get "I can only read text" with 112 and
0900-8844. Service messages (someone joined, a pinned message) and channel posts get silence:
a reply in a channel would be published to all its readers.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import language_of, message_text, send_reply, services
from bot.telegram.handlers.text import on_text


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.channel_post or update.edited_channel_post:
        return
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    if update.edited_message is not None and await _urgent(update, context):
        await on_text(update, context)  # an emergency typed as an edit still gets the alarm
        return
    reply = services(context).assistant.fixed_reply(
        "bewerkt" if update.edited_message else "alleen_tekst", language_of(update)
    )
    await send_reply(update, context, reply, remember=False)


async def _urgent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    text = message_text(update)
    if not text:
        return False
    urgency = await services(context).assistant.safety(text)
    return urgency.alarm or urgency.crisis


async def on_service(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Joins, leaves, pins, title changes: nothing to say."""
    return
