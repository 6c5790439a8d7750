"""A shared location answers the wijkagent question (the core finds the buurt by coordinate)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import language_of, note_reply, send_reply, services, user_key
from bot.messages import Query


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    location = message.location if message else None
    if location is None and message is not None and message.venue is not None:
        location = message.venue.location
    if location is None:
        return
    query = Query(
        location=(location.latitude, location.longitude),
        language=language_of(update),
        user=user_key(update, context),
    )
    svc = services(context)
    assistant = svc.assistant
    reply = await assistant.reply(query)
    await send_reply(update, context, reply)
    note_reply(svc, assistant, reply)
