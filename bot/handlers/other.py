"""Everything that is not text, a location, a command or a button: a kind reply, or silence.

Stickers, photos, voice, documents, contacts, polls… get "I can only read text" with 112 and
0900-8844. Service messages (someone joined, a pinned message) and channel posts get silence:
a reply in a channel would be published to all its readers.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import kind_reply, language_of, send_reply, services


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.channel_post or update.edited_channel_post:
        return
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    reply = kind_reply(
        services(context).content,
        "bewerkt" if update.edited_message else "alleen_tekst",
        language_of(update),
    )
    await send_reply(update, context, reply, remember=False)


async def on_service(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Joins, leaves, pins, title changes: nothing to say."""
    return
