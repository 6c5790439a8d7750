"""A shared location answers the wijkagent question (the core finds the buurt by coordinate)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import note_reply, query_for, send_reply, services


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    location = message.location if message else None
    if location is None and message is not None and message.venue is not None:
        location = message.venue.location
    if location is None:
        return
    query = query_for(update, context, location=(location.latitude, location.longitude))
    svc = services(context)
    assistant = svc.assistant
    reply = await assistant.reply(query)
    await send_reply(update, context, reply)
    note_reply(svc, assistant, reply)
