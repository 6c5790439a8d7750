"""Inline button presses. Every callback is answered, or the resident's client keeps spinning."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.handlers.common import (
    FORGET_ACTION,
    forget_chat,
    note_reply,
    query_for,
    send_reply,
    services,
)
from bot.handlers.feedback import on_feedback

log = logging.getLogger(__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    callback = update.callback_query
    if callback is None:
        return
    if await on_feedback(update, context):
        return
    try:
        await callback.answer()
    except TelegramError as exc:  # too old to answer: still give the resident a reply
        log.info("callback query not answered: %s", type(exc).__name__)
    # Stale and unknown data included: the core answers those with "verlopen_knop".
    query = query_for(update, context, action=callback.data or "?")
    if query.action == FORGET_ACTION:
        forget_chat(update, context)
    svc = services(context)
    assistant = svc.assistant
    reply = await assistant.reply(query)
    await _remove_keyboard(callback.message)
    await send_reply(update, context, reply)
    note_reply(svc, assistant, reply)


async def _remove_keyboard(message: object) -> None:
    """Pressed buttons disappear, so an old answer's buttons cannot be pressed twice."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.info("keyboard not removed: %s", type(exc).__name__)
