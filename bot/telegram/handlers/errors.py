"""The error handler: log the exception, tell the resident briefly, never go silent.

The log holds the exception and the kind of update only: no token (masked anyway, see
bot/logs.py), no message text, no user id.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import SERVICES_KEY, language_of, message_text, send_messages
from bot.telegram.render import render

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    kind = _kind(update)
    log.error("error while handling a %s update", kind, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.channel_post or update.edited_channel_post:
        return
    svc = context.application.bot_data.get(SERVICES_KEY)
    if svc is None:
        return
    reply = svc.assistant.fixed_reply("fout", language_of(update), message_text(update))
    if isinstance(context.error, TimedOut) and not reply.alarm:
        # The answer timed out and may have arrived (delivery does not send it again): an
        # apology beside a late answer is a second reply. An alarm is always sent.
        return
    try:
        await send_messages(
            update,
            context,
            update.effective_chat.id,
            render(reply, svc.content),
            urgent=reply.alarm,
        )
    except TelegramError as exc:
        log.warning("apology not delivered: %s", type(exc).__name__)


def _kind(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    for name in ("message", "edited_message", "callback_query", "channel_post"):
        if getattr(update, name, None) is not None:
            return name
    return "other"
