"""👍/👎 under an FAQ answer: counted per intent per day, a 👎 with its scrubbed question logged.

Nothing here knows who pressed: the counters have no user column, and the question comes from
process memory (bot/telegram/recent.py), keyed by the chat's pseudonym and used once.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.operators import learning
from bot.telegram.handlers.common import chat_key, language_of, services
from bot.telegram.render import parse_feedback, without_feedback

log = logging.getLogger(__name__)


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An fb:… button (registered with FEEDBACK_PATTERN, before the core's button handler)."""
    callback = update.callback_query
    parsed = parse_feedback(callback.data or "") if callback else None
    if callback is None or parsed is None:
        return
    intent, useful = parsed
    svc = services(context)
    content = svc.content
    language = language_of(update) or "nl"
    if any(entry.id == intent for entry in content.faq):  # forged or removed entries: not counted
        key = chat_key(update, context)
        question = svc.questions.take(key, intent) if key and not useful else None
        try:
            learning.log_feedback(
                svc.learning,
                intent,
                useful,
                query_text=question,
                content_version=content.version,
            )
        except Exception as exc:
            log.warning("feedback not recorded: %s", type(exc).__name__)
    await _answer(callback, content.text("feedback_dank", language))
    await _drop_feedback_row(callback.message)


async def _answer(callback: CallbackQuery, text: str) -> None:
    try:
        await callback.answer(text)
    except TelegramError as exc:
        log.info("callback query not answered: %s", type(exc).__name__)


async def _drop_feedback_row(message: object) -> None:
    """One vote per answer: the 👍/👎 row disappears, the core's buttons stay."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=without_feedback(message.reply_markup))
    except TelegramError as exc:
        log.info("feedback buttons not removed: %s", type(exc).__name__)
