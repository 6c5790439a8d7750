"""The Telegram bot: builds the python-telegram-bot Application around the assistant and runs it.

Usage:
    TELEGRAM_BOT_TOKEN=123456:ABC wijkbot run                     long polling
    TELEGRAM_BOT_TOKEN=123456:ABC wijkbot run --webhook URL       webhook with a secret token
    TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot               any Bot-API-compatible server

Handlers are registered in one visible list (order matters: the gate first, the catch-all last).
Sending goes through a rate limiter that waits out 429s and retries network failures (502s), so a
Telegram hiccup delays a reply instead of losing it.

State lives in the SQLite file of the data directory (bot/storage.py), never under a raw id: the
conversation state under the chat's pseudonym (bot/telegram/chat_state.py), the learning log and
counters without any id (bot/operators/learning.py). The learning log is purged at start-up and
daily; SIGHUP and /herlaad reload content/ (bot/operators/reload.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.commands import COMMAND_ACTIONS
from bot.logs import mask_secrets, setup_logging
from bot.operators import learning
from bot.operators.reload import LiveAssistant
from bot.ops.state import Ops
from bot.storage import Database, SqliteWijkMemory, load_or_create_secret
from bot.telegram import operations
from bot.telegram.chat_state import ConversationState
from bot.telegram.delivery import Deadlines, DeliveryLimiter
from bot.telegram.flood import FloodControl
from bot.telegram.handlers.admin import ADMIN_COMMANDS, on_admin, reload_on_signal
from bot.telegram.handlers.buttons import on_button
from bot.telegram.handlers.commands import on_command, on_start, on_unknown
from bot.telegram.handlers.common import SERVICES_KEY, Services, is_emergency
from bot.telegram.handlers.errors import on_error
from bot.telegram.handlers.feedback import on_feedback
from bot.telegram.handlers.gate import gate
from bot.telegram.handlers.location import on_location
from bot.telegram.handlers.other import on_other, on_service
from bot.telegram.handlers.text import on_text
from bot.telegram.inbox import INBOX_FILE, Inbox
from bot.telegram.pacing import UNLIMITED
from bot.telegram.render import FEEDBACK_PATTERN
from bot.telegram.request import AiohttpRequest, UpdatesRequest

log = logging.getLogger(__name__)

TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
MENU_LANGUAGES = (None, "nl", "en")  # None: the default menu, in Dutch
MAX_CONCURRENT_UPDATES = 32  # enough to keep the pacer fed at 30/s; alarms bypass it
CONNECTION_POOL_SIZE = 8
POOL_TIMEOUT_SECONDS = 30.0
PURGE_JOB = "purge_expired"
PURGE_INTERVAL = dt.timedelta(days=1)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, but one chat's updates in the order they came (a postcode must
    be read after the question that asked for it); an emergency waits for nobody.

    - An update whose text the rules read as danger skips its chat's queue and the cap on
      updates in progress, so it never waits behind FAQ answers waiting for their send slot (in
      a burst of 1,100 alarms once waited 35 s). The cap (MAX_CONCURRENT_UPDATES) keeps a burst
      from filling the event loop with work that is not urgent.
    - Every update is marked done in the inbox once handled (bot/telegram/inbox.py).
    """

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        *,
        inbox: Inbox | None = None,
        urgent: Callable[[object], bool] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.inbox = inbox
        self.urgent = urgent
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    # PTB marks process_update final; overriding it is the only way an alarm can skip the cap
    # on updates in progress (issue "No 112 reply lost": alarms waited 35 s behind FAQ answers).
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        if self._is_urgent(update):
            await self.do_process_update(update, coroutine)
        else:
            await super().process_update(update, coroutine)

    def _is_urgent(self, update: object) -> bool:
        try:
            return self.urgent is not None and self.urgent(update)
        except Exception:  # deciding priority must never cost the update its answer
            return False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None or self._is_urgent(update):
                await coroutine
            else:
                await self._in_order(chat.id, coroutine)
        finally:
            if self.inbox is not None and isinstance(update, Update):
                await asyncio.to_thread(self.inbox.done, update.update_id)

    async def _in_order(self, key: int, coroutine: Awaitable[Any]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def file_url(base_url: str) -> str:
    """http://host/bot -> http://host/file/bot, the Bot API's layout for file downloads."""
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else base_url


def build_application(
    settings: Settings,
    assistant: Assistant,
    *,
    rate_limited: bool = True,
    flood: FloodControl | None = None,
    deadlines: Deadlines | None = None,
) -> Application:
    """The Application with every handler; tests and the benchmark run exactly this.

    assistant: built from settings.content_dir (reloads read that directory again).
    """
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    inbox = Inbox(settings.ensure_data_dir() / INBOX_FILE)
    ops = operations_for(settings, assistant, inbox)
    processor = PerChatUpdateProcessor(inbox=inbox)
    rates = settings.rates if rate_limited else UNLIMITED
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(processor)
        # aiohttp instead of httpx (see bot/telegram/request.py): a few warm connections serve
        # Telegram's 30 replies a second; requests wait for a free one instead of failing.
        .request(AiohttpRequest(CONNECTION_POOL_SIZE, pool_timeout=POOL_TIMEOUT_SECONDS))
        .get_updates_request(
            UpdatesRequest(1, pool_timeout=POOL_TIMEOUT_SECONDS, inbox=inbox, ops=ops)
        )
        .rate_limiter(DeliveryLimiter(rates, deadlines, ops=ops))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url).base_file_url(
            file_url(settings.api_base_url)
        )
    app = builder.build()
    svc = build_services(settings, assistant, flood, inbox)
    svc.ops = ops
    app.bot_data[SERVICES_KEY] = svc
    processor.urgent = lambda update: is_emergency(update, svc)
    add_handlers(app)
    return app


def operations_for(settings: Settings, assistant: Assistant, inbox: Inbox) -> Ops:
    """Health and metrics of this bot, fed by the getUpdates request, delivery and the handlers."""
    ops = Ops(
        listen=settings.ops_listen,
        max_update_age=settings.health_max_update_age,
        max_send_age=settings.health_max_send_age,
    )
    ops.health.storage_dir = settings.data_dir
    ops.content(assistant.content.version)
    ops.metrics.inbox_backlog.set_function(inbox.backlog)
    from bot.live_client import HttpLiveLookup

    if isinstance(assistant.live, HttpLiveLookup):
        assistant.live.observe = ops.live_call
    return ops


def build_services(
    settings: Settings,
    assistant: Assistant,
    flood: FloodControl | None,
    inbox: Inbox | None = None,
) -> Services:
    """One SQLite connection for everything (the wijk memory's, when it uses the same file)."""
    data_dir = settings.ensure_data_dir()
    database = _shared_database(settings, assistant)
    numbers = [line.nummer for line in assistant.content.lines.values()]
    return Services(
        live=LiveAssistant(assistant, settings.content_dir),
        secret=load_or_create_secret(data_dir),
        state=ConversationState(database),
        learning=learning.SqliteLearningStore.in_data_dir(
            settings, public_numbers=numbers, database=database
        ),
        admins=settings.admin_ids,
        flood=flood or FloodControl(),
        inbox=inbox,
    )


def _shared_database(settings: Settings, assistant: Assistant) -> Database:
    own = Database.in_data_dir(settings)
    memory = assistant.memory
    if isinstance(memory, SqliteWijkMemory) and memory.database.path == own.path:
        return memory.database
    return own


def add_handlers(app: Application) -> None:
    """Order matters: the gate (groups, floods) first, specific handlers, the catch-all last."""
    new = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handler(CommandHandler("start", on_start, filters=new))
    commands = [name for name in COMMAND_ACTIONS if name != "start"]
    app.add_handler(CommandHandler(commands, on_command, filters=new))
    app.add_handler(CommandHandler(list(ADMIN_COMMANDS), on_admin, filters=new))
    app.add_handler(MessageHandler(new & filters.COMMAND, on_unknown))
    app.add_handler(MessageHandler(new & (filters.LOCATION | filters.VENUE), on_location))
    app.add_handler(MessageHandler(new & (filters.TEXT | filters.CAPTION), on_text))
    app.add_handler(CallbackQueryHandler(on_feedback, pattern=FEEDBACK_PATTERN))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.StatusUpdate.ALL, on_service))
    app.add_handler(TypeHandler(Update, on_other))
    app.add_error_handler(on_error)


async def post_init(app: Application) -> None:
    """Start-up chores; each failure is logged, none stops the bot.

    First the updates a crash left unanswered (bot/telegram/inbox.py), then the retention purge now
    and daily, SIGHUP as "reload content" (instead of its default: terminate), and the command
    menu in the background (Dutch and English; admin commands never in it): a slow Telegram must not
    hold up the first getUpdates.
    """
    svc: Services = app.bot_data[SERVICES_KEY]
    await _replay_unanswered(app, svc)
    svc.operations = await operations.start(svc.ops)
    purge(svc)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _purge_job, interval=PURGE_INTERVAL, first=PURGE_INTERVAL, name=PURGE_JOB
        )
    else:
        log.warning("no JobQueue (python-telegram-bot[job-queue]): purging at start-up only")
    _install_sighup(app)
    menu = asyncio.create_task(_set_command_menu(app, svc.content), name="command-menu")
    svc.background.add(menu)
    menu.add_done_callback(svc.background.discard)


async def _replay_unanswered(app: Application, svc: Services) -> None:
    """Updates stored before a crash and never answered: answered now, saying they are late."""
    if svc.inbox is None:
        return
    waiting = await asyncio.to_thread(svc.inbox.waiting)
    for raw, received in waiting:
        try:
            update = Update.de_json(raw, app.bot)
        except Exception:
            log.warning("stored update %s cannot be read; skipped", raw.get("update_id"))
            svc.inbox.done(int(raw.get("update_id", 0)))
            continue
        svc.late[update.update_id] = received
        await app.update_queue.put(update)
    if waiting:
        log.info("answering %d update(s) left unanswered by the last run", len(waiting))


async def _set_command_menu(app: Application, content: Content) -> None:
    for language in MENU_LANGUAGES:
        commands = [
            BotCommand(name, content.text(f"commando_{name}", language or "nl"))
            for name in COMMAND_ACTIONS
        ]
        try:
            await app.bot.set_my_commands(commands, language_code=language)
        except TelegramError as exc:
            log.warning("command menu (%s) not set: %s", language or "default", exc)


def purge(svc: Services) -> int:
    """Learning-log rows past the retention, expired conversation state and live answers past
    their day; never raises."""
    try:
        removed = learning.purge_expired(svc.learning) + svc.state.purge_expired()
        live = svc.assistant.live
        removed += live.purge() if live is not None else 0
        removed += svc.inbox.purge() if svc.inbox is not None else 0
    except Exception as exc:
        log.warning("purge failed: %s", type(exc).__name__)
        return 0
    log.info("purged %d expired row(s)", removed)
    return removed


async def _purge_job(context: Any) -> None:
    purge(context.application.bot_data[SERVICES_KEY])


def _install_sighup(app: Application) -> None:
    if not hasattr(signal, "SIGHUP"):
        return
    loop = asyncio.get_running_loop()

    def on_sighup() -> None:
        app.create_task(reload_on_signal(app), name="sighup-reload")

    try:
        loop.add_signal_handler(signal.SIGHUP, on_sighup)
    except (NotImplementedError, RuntimeError, ValueError) as exc:  # not the main thread
        log.warning("SIGHUP reload not available: %s", exc)


async def post_shutdown(app: Application) -> None:
    """Gives SIGHUP its default back and closes the database (the write-ahead log is merged)."""
    if hasattr(signal, "SIGHUP"):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    svc: Services | None = app.bot_data.get(SERVICES_KEY)
    if svc is not None:
        if svc.operations is not None:
            await operations.stop(svc.operations)
        svc.state.database.close()


def run(
    settings: Settings, webhook_url: str | None = None, listen: str = "127.0.0.1", port: int = 8443
) -> int:
    """`wijkbot run`: exit 2 on a missing or malformed token, else run until stopped."""
    token = settings.token
    if not token or not TOKEN.fullmatch(token):
        print(
            "wijkbot: TELEGRAM_BOT_TOKEN is missing or malformed (expected digits:letters, "
            "as given by @BotFather)",
            file=sys.stderr,
        )
        return 2
    problem = settings.data_dir_problem()
    if problem is not None:
        print(f"wijkbot: {problem}", file=sys.stderr)
        return 2
    setup_logging(token, log_format=settings.log_format)
    if hasattr(signal, "SIGHUP"):  # until post_init makes it "reload": ignored, never fatal
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    from bot.assemble import build_assistant

    app = build_application(settings, build_assistant(settings, live_data=True, remember=True))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        _serve(app, webhook_url, listen, port)
    except Exception as exc:
        # PTB's messages name the token ("The token `…` was rejected"): one masked line, no
        # traceback, and the HTTP sessions closed so nothing else is printed on the way out.
        print(f"wijkbot: {_startup_problem(exc)}", file=sys.stderr)
        with contextlib.suppress(Exception):
            loop.run_until_complete(app.bot.shutdown())
        return 1
    finally:
        loop.close()
    return 0


def _serve(app: Application, webhook_url: str | None, listen: str, port: int) -> None:
    if webhook_url:
        from bot.telegram import webhook  # aiohttp's server: only webhook mode needs it

        svc: Services = app.bot_data[SERVICES_KEY]
        asyncio.get_event_loop().run_until_complete(
            webhook.serve(
                app,
                url=webhook_url,
                path=urlparse(webhook_url).path,
                listen=listen,
                port=port,
                secret=secrets.token_urlsafe(32),
                allowed_updates=ALLOWED_UPDATES,
                inbox=svc.inbox,
            )
        )
    else:
        log.info("starting long polling")
        app.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)


def _startup_problem(exc: Exception) -> str:
    if isinstance(exc, InvalidToken):
        return "Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN (from @BotFather)"
    if isinstance(exc, NetworkError):
        return f"cannot reach the Bot API ({mask_secrets(str(exc))}): check TELEGRAM_API_BASE_URL"
    return f"stopped at start-up: {type(exc).__name__}: {mask_secrets(str(exc))}"
