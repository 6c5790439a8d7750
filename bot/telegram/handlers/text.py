"""Text messages: everything goes through the core, menu-keyboard labels as their actions.

After the answer: today's counters and, for what the bot did not understand, the scrubbed text in
the learning log; under a sure FAQ answer 👍/👎, with the scrubbed question kept in memory for a 👎.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.operators import learning
from bot.telegram.handlers.common import (
    answer,
    chat_key,
    is_private,
    message_text,
    query_for,
    services,
)
from bot.telegram.handlers.gate import without_mention
from bot.telegram.render import offers_feedback


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text, or a photo's caption: "inbraak!" under a photo is a message too."""
    written = message_text(update)
    if not written:
        return
    private = is_private(update)
    text = written if private else without_mention(written, context.bot.username)
    svc = services(context)
    action = svc.labels.get(text.strip().casefold())
    key = chat_key(update, context)
    awaiting = svc.state.get(key) if key and not action else None
    query = query_for(
        update, context, text="" if action else text, action=action, awaiting=awaiting
    )
    reply = await answer(update, context, query, feedback=True)
    if key and svc.learning.learn and offers_feedback(reply, private) and query.text:
        svc.questions.put(key, reply.intent or "", learning.scrub_for_log(svc.learning, query.text))
