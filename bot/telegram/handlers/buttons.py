"""Inline button presses. Every callback is answered, or the resident's client keeps spinning."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import answer, query_for

log = logging.getLogger(__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    callback = update.callback_query
    if callback is None:
        return
    try:
        await callback.answer()
    except TelegramError as exc:  # too old to answer: still give the resident a reply
        log.info("callback query not answered: %s", type(exc).__name__)
    # Stale and unknown data included: the core answers those with "verlopen_knop".
    query = query_for(update, context, action=callback.data or "?")
    await answer(update, context, query, before_send=lambda: _remove_keyboard(callback.message))


async def _remove_keyboard(message: object) -> None:
    """Pressed buttons disappear, so an old answer's buttons cannot be pressed twice."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.info("keyboard not removed: %s", type(exc).__name__)
