"""Slash commands: /start (deep links), /help, /wijkagent, /spoed, /anoniem, /privacy, /vergeet.

The command -> action table lives in bot/core/commands.py (shared with the terminal chat); here a
command is just a button press the resident typed.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.commands import action_for
from bot.telegram.handlers.common import (
    answer,
    answer_language,
    is_private,
    language_of,
    query_for,
    send_messages,
    send_reply,
    services,
)
from bot.telegram.handlers.gate import addressed_to
from bot.telegram.render import Outgoing, main_menu


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome and the main menu keyboard first, then what the deep link (or /start) asks."""
    message = update.effective_message
    if message is None:
        return
    content = services(context).content
    language = answer_language(update)
    welcome = Outgoing(
        content.text("welkom", language),
        main_menu(content, language, private=is_private(update)),
    )
    chat = update.effective_chat
    if chat is not None:
        await send_messages(update, context, chat.id, [welcome])
    await on_command(update, context)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    action = action_for(message.text)
    if action is None:
        await on_unknown(update, context)
        return
    await answer(update, context, query_for(update, context, action=action))


async def on_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An unknown command; in a group only when it was addressed to us by name."""
    message = update.effective_message
    if message is None:
        return
    if not is_private(update) and not addressed_to(
        message.text or "/", context.bot.username, strict=True
    ):
        return
    reply = services(context).assistant.fixed_reply("onbekend_commando", language_of(update))
    await send_reply(update, context, reply, remember=False)
