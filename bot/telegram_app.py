"""The Telegram bot: builds the python-telegram-bot Application around the assistant and runs it.

Usage:
    TELEGRAM_BOT_TOKEN=123456:ABC wijkbot run                     long polling
    TELEGRAM_BOT_TOKEN=123456:ABC wijkbot run --webhook URL       webhook with a secret token
    TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot               any Bot-API-compatible server

Handlers are registered in one visible list (order matters: the gate first, the catch-all last).
Sending goes through a rate limiter that waits out 429s and retries network failures (502s), so a
Telegram hiccup delays a reply instead of losing it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import sys
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    TypeHandler,
    filters,
)

from bot.commands import COMMAND_ACTIONS
from bot.config import Settings
from bot.handlers.buttons import on_button
from bot.handlers.commands import on_command, on_start, on_unknown
from bot.handlers.common import SERVICES_KEY, Services
from bot.handlers.errors import on_error
from bot.handlers.flood import FloodControl
from bot.handlers.gate import gate
from bot.handlers.location import on_location
from bot.handlers.other import on_other, on_service
from bot.handlers.text import on_text
from bot.logs import setup_logging
from bot.storage import load_or_create_secret

log = logging.getLogger(__name__)

TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
MENU_LANGUAGES = (None, "nl", "en")  # None: the default menu, in Dutch
PERSISTENCE_FILE = "telegram_state.pickle"
MAX_CONCURRENT_UPDATES = 64


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (Telegram's 30/s overall, 20/min per group, waits out 429) plus retries of
    network failures such as a 502 from Telegram's front end. A BadRequest is never retried."""

    def __init__(self, *, network_retries: int = 4, backoff: float = 0.2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def, override]
        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt == self.network_retries:
                    raise
                log.warning("%s failed (%s), retrying", endpoint, type(exc).__name__)
                await asyncio.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, but one chat's updates in the order they came: a postcode must
    be read after the question that asked for it."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
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
    assistant: Any,
    *,
    rate_limited: bool = True,
    persistent: bool = True,
    flood: FloodControl | None = None,
) -> Application:
    """The Application with every handler; tests and the benchmark run exactly this."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    data_dir = settings.ensure_data_dir()
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(post_init)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url).base_file_url(
            file_url(settings.api_base_url)
        )
    if rate_limited:
        builder = builder.rate_limiter(RetryingRateLimiter(max_retries=3))
    if persistent:
        store = PersistenceInput(
            bot_data=False, chat_data=True, user_data=False, callback_data=False
        )
        builder = builder.persistence(
            PicklePersistence(data_dir / PERSISTENCE_FILE, store_data=store, update_interval=30)
        )
    app = builder.build()
    app.bot_data[SERVICES_KEY] = Services.create(assistant, load_or_create_secret(data_dir), flood)
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    """Order matters: the gate (groups, floods) first, specific handlers, the catch-all last."""
    new = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handler(CommandHandler("start", on_start, filters=new))
    commands = [name for name in COMMAND_ACTIONS if name != "start"]
    app.add_handler(CommandHandler(commands, on_command, filters=new))
    app.add_handler(MessageHandler(new & filters.COMMAND, on_unknown))
    app.add_handler(MessageHandler(new & (filters.LOCATION | filters.VENUE), on_location))
    app.add_handler(MessageHandler(new & filters.TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.StatusUpdate.ALL, on_service))
    app.add_handler(TypeHandler(Update, on_other))
    app.add_error_handler(on_error)


async def post_init(app: Application) -> None:
    """The command menu, in Dutch and English; a failure here is logged, never fatal."""
    content = app.bot_data[SERVICES_KEY].content
    for language in MENU_LANGUAGES:
        commands = [
            BotCommand(name, content.text(f"commando_{name}", language or "nl"))
            for name in COMMAND_ACTIONS
        ]
        try:
            await app.bot.set_my_commands(commands, language_code=language)
        except TelegramError as exc:
            log.warning("command menu (%s) not set: %s", language or "default", exc)


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
    setup_logging(token, log_format=settings.log_format)
    from bot.cli import build_assistant

    app = build_application(settings, build_assistant(settings, live=True))
    if webhook_url:
        log.info("starting webhook mode on %s:%d", listen, port)
        app.run_webhook(
            listen=listen,
            port=port,
            url_path=urlparse(webhook_url).path.lstrip("/"),
            webhook_url=webhook_url,
            secret_token=secrets.token_urlsafe(32),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        log.info("starting long polling")
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0
