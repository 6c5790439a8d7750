"""/herlaad and /stats for admins (WIJKBOT_ADMIN_IDS), and the same reload on SIGHUP.

Anyone else, and any group chat, gets exactly the reply to an unknown command: the admin commands
never reveal that they exist (they are not in the command menu either). /stats shows numbers only.
A reload validates the content first; on an error the old content keeps answering and the admin
gets the file and line of each problem (bot/operators/reload.py).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.messages import Reply
from bot.operators import learning
from bot.operators.reload import ReloadResult, reload_text
from bot.telegram.handlers.commands import on_unknown
from bot.telegram.handlers.common import (
    SERVICES_KEY,
    Services,
    answer_language,
    is_private,
    send_reply,
    services,
)

log = logging.getLogger(__name__)

ADMIN_COMMANDS = ("herlaad", "stats")


def is_admin(update: Update, svc: Services) -> bool:
    user = update.effective_user
    return user is not None and user.id in svc.admins and is_private(update)


async def on_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    svc = services(context)
    if message is None or not message.text or not is_admin(update, svc):
        await on_unknown(update, context)
        return
    language = answer_language(update)
    name = message.text.split()[0].lstrip("/").split("@", 1)[0].lower()
    if name == "herlaad":
        result = await reload_content(svc)
        text = reload_text(result, svc.assistant, language)
    else:
        text = learning.stats_text(svc.learning, svc.content, language)
    reply = Reply(body=text, footer="", language=language)
    await send_reply(update, context, reply, remember=False)


async def reload_content(svc: Services) -> ReloadResult:
    """Builds the new assistant off the event loop (indexing takes a moment); residents keep
    getting answers from the old one meanwhile."""
    result = await asyncio.to_thread(svc.live.reload)
    svc.ops.content(svc.assistant.content.version)  # /healthz and /metrics name what answers now
    return result


async def reload_on_signal(app: Application) -> None:
    """SIGHUP: reload and log the outcome (errors as file:line, never content); never raises."""
    try:
        result = await reload_content(app.bot_data[SERVICES_KEY])
        if result.ok:
            log.info("SIGHUP: content reloaded")
        else:
            for line in result.error_lines():
                log.warning("SIGHUP: content refused: %s", line)
    except Exception:
        log.exception("SIGHUP: reload failed; the old content stays live")
