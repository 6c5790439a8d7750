"""A shared location answers the wijkagent question (the core finds the buurt by coordinate)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import answer, query_for


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    location = message.location if message else None
    if location is None and message is not None and message.venue is not None:
        location = message.venue.location
    if location is None:
        return
    query = query_for(update, context, location=(location.latitude, location.longitude))
    await answer(update, context, query)
