"""What every handler shares: the services, the resident's pseudonym and language, and sending.

Handlers never decide what to answer: they build a Query, ask the core, and send the rendered
Reply. Sending lives here so that the order residents see (text first, alarm on top, then the
station as a venue) is the same for every kind of update.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import ReplyParameters, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes, ExtBot

from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.memory import pseudonym
from bot.core.messages import Query, Reply
from bot.operators import learning
from bot.operators.reload import LiveAssistant
from bot.ops.state import Ops
from bot.telegram.chat_state import ConversationState
from bot.telegram.flood import FloodControl
from bot.telegram.inbox import Inbox
from bot.telegram.operations import Running
from bot.telegram.recent import RecentQuestions
from bot.telegram.render import Outgoing, label_actions, render

log = logging.getLogger(__name__)

SERVICES_KEY = "wijkbot"


@dataclass
class Services:
    """Built once at start-up and kept in bot_data (which is never persisted).

    live: holds the assistant that answers now (`.current`, `.reload()`); handlers read
    `assistant` once per update, so a reload never splits one reply.
    """

    live: LiveAssistant
    secret: bytes
    state: ConversationState
    learning: learning.LearningStore
    admins: frozenset[int] = frozenset()
    flood: FloodControl = field(default_factory=FloodControl)
    questions: RecentQuestions = field(default_factory=RecentQuestions)
    inbox: Inbox | None = None
    late: dict[int, float] = field(default_factory=dict)  # update id -> when it first arrived
    background: set[asyncio.Task[None]] = field(default_factory=set)  # kept until done
    ops: Ops = field(default_factory=Ops)  # health and metrics (bot/ops)
    operations: Running | None = None  # the endpoint and watchdog, once started
    _labels: tuple[int, dict[str, str]] = (0, {})

    @property
    def assistant(self) -> Assistant:
        return self.live.current

    @property
    def content(self) -> Content:
        return self.assistant.content

    @property
    def labels(self) -> dict[str, str]:
        """Menu label -> action, recomputed when a reload brought new content."""
        content = self.content
        if self._labels[0] != id(content):
            self._labels = (id(content), label_actions(content))
        return self._labels[1]


def limited(context: ContextTypes.DEFAULT_TYPE) -> ExtBot[Any]:
    """The bot, typed for our rate limiter's arguments ({"alarm": True} puts a send first)."""
    return context.bot


def message_text(update: Update) -> str:
    """What the resident wrote: the text, or a photo's caption (an edited one included)."""
    message = update.effective_message
    if message is None:
        return ""
    return message.text or message.caption or ""


def is_emergency(update: object, svc: Services) -> bool:
    """The rules' verdict on the update's text, at once: it decides who goes first. A command
    (/spoed) is a menu choice, not a cry for help."""
    if not isinstance(update, Update):
        return False
    text = message_text(update)
    return bool(text) and not text.startswith("/") and svc.assistant.rules_alarm(text)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


def language_of(update: Update) -> str | None:
    user = update.effective_user
    code = user.language_code if user else None
    return code[:2].lower() if code else None


def answer_language(update: Update) -> str:
    """The language fixed texts are shown in: the resident's Telegram language if we answer in
    it (nl, en), else Dutch."""
    language = language_of(update)
    return language if language in ("nl", "en") else "nl"


def user_key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    user = update.effective_user
    return pseudonym(user.id, services(context).secret) if user else None


def chat_key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The chat's pseudonym: the key of its conversation state (never the raw chat id)."""
    chat = update.effective_chat
    return pseudonym(chat.id, services(context).secret) if chat else None


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def query_for(update: Update, context: ContextTypes.DEFAULT_TYPE, **fields: Any) -> Query:
    """A Query with who is asking, in what language, and whether others can read the answer."""
    return Query(
        language=language_of(update),
        user=user_key(update, context),
        private=is_private(update),
        late=update.update_id in services(context).late,
        **fields,
    )


async def send_reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    reply: Reply,
    *,
    remember: bool = True,
    feedback: bool = False,
) -> None:
    """Sends the rendered reply (and the venue), and keeps what it asked for (conversation state).

    feedback: offer 👍/👎 if the reply is an FAQ answer (see bot.telegram.render.offers_feedback).
    """
    chat = update.effective_chat
    chat_id = chat.id if chat else (update.effective_user.id if update.effective_user else None)
    if chat_id is None:
        return
    private = is_private(update)
    svc = services(context)
    rendered = render(reply, svc.content, private=private, feedback=feedback)
    urgent = reply.alarm or reply.crisis_text is not None
    await send_messages(update, context, chat_id, rendered, urgent=urgent)
    if reply.venue is not None:
        venue = reply.venue
        await limited(context).send_venue(
            chat_id,
            latitude=venue.lat,
            longitude=venue.lon,
            title=venue.title,
            address=venue.address,
            rate_limit_args={"alarm": urgent},
        )
    key = chat_key(update, context)
    if remember and key is not None:
        svc.state.set(key, reply.awaiting)


def forget_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/vergeet: the core erases the remembered wijk; this erases the conversation state and the
    question kept in memory for a 👎."""
    key = chat_key(update, context)
    if key is not None:
        svc = services(context)
        svc.state.clear(key)
        svc.questions.forget(key)


async def answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    query: Query,
    *,
    feedback: bool = False,
    before_send: Callable[[], Awaitable[None]] | None = None,
) -> Reply:
    """The one way a handler answers: ask the core, erase what the core says to forget, send,
    count. One assistant (one content version) for the whole reply, even during a reload."""
    svc = services(context)
    assistant = svc.assistant
    started = time.perf_counter()
    reply = await assistant.reply(query)
    svc.ops.replied(reply, time.perf_counter() - started)
    if reply.forget:
        forget_chat(update, context)
    if before_send is not None:
        await before_send()
    await send_reply(update, context, reply, feedback=feedback)
    note_reply(svc, assistant.content.version, reply, query.text)
    return reply


def note_reply(svc: Services, version: str, reply: Reply, text: str | None = None) -> None:
    """Today's counters for every core reply; the scrubbed text of a typed question the bot did
    not understand (or found ambiguous) for the learning log, with the candidates as the core
    ranked them. Never raises: learning must not cost a resident an answer. The log line names
    the failure only, never the text."""
    try:
        learning.count_reply(svc.learning, reply)
        if text and svc.learning.learn and learning.should_log(reply):
            ranked = learning.ranked_of(reply)
            learning.log_reply(svc.learning, text, reply, version, ranked=ranked)
    except Exception as exc:
        log.warning("learning log not written: %s", type(exc).__name__)


async def send_messages(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    messages: list[Outgoing],
    *,
    urgent: bool = False,
) -> None:
    """urgent: the reply carries the alarm or 113: it goes first and is retried for ten minutes
    (bot/telegram/delivery.py)."""
    # In a group, answer as a reply so it is clear whom the bot is talking to.
    message = update.message
    quote = None
    if not is_private(update) and message is not None:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    for out in messages:
        await limited(context).send_message(
            chat_id,
            out.text,
            reply_markup=out.reply_markup,
            reply_parameters=quote,
            rate_limit_args={"alarm": urgent},
        )
        quote = None
