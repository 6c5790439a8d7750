"""Webhook mode on aiohttp (already the Bot API client), with the durable inbox before the 200.

Why not python-telegram-bot's run_webhook: it answers Telegram 200 before anything is stored, so
a crash right after loses the update, and it needs tornado just for this. Here an update is
checked against the secret token, written to the inbox (bot/telegram/inbox.py), and only then
confirmed
with 200; an update the inbox already knows is confirmed and not answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import time
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.ops.state import Ops
from bot.telegram.handlers.common import SERVICES_KEY
from bot.telegram.inbox import Inbox
from bot.telegram.request import readable_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PROBE_SECONDS = 60.0  # how often a quiet webhook asks Telegram whether delivery works


def handler(app: Application, secret: str, inbox: Inbox | None, ops: Ops | None = None) -> Any:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            raw = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if ops is not None:  # Telegram reaches us
            ops.updates()
        raw = readable_update(raw)
        if raw is None:
            return web.Response(status=200)  # nothing we could ever answer: confirm, not retry
        if inbox is not None and inbox.receive([raw]):
            return web.Response(status=200)  # already stored (or answered): not twice
        update = Update.de_json(raw, app.bot)
        await app.update_queue.put(update)
        return web.Response(status=200)

    return receive


async def serve(
    app: Application,
    *,
    url: str,
    path: str,
    listen: str,
    port: int,
    secret: str,
    allowed_updates: list[str],
    inbox: Inbox | None,
) -> None:
    """Runs until SIGINT or SIGTERM: the application, the listener, then the webhook is set."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    web_app = web.Application()
    ops = app.bot_data[SERVICES_KEY].ops if SERVICES_KEY in app.bot_data else None
    web_app.router.add_post("/" + path.lstrip("/"), handler(app, secret, inbox, ops))
    runner = web.AppRunner(web_app, access_log=None)  # the access log would hold the path only
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates)
        log.info("webhook listening on %s:%d", listen, port)
        probe = asyncio.create_task(_probe(app, ops), name="webhook-probe")
        await stop.wait()
        probe.cancel()
        await runner.cleanup()
        await app.stop()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def _probe(app: Application, ops: Ops | None) -> None:
    """A quiet webhook gets no updates: getWebhookInfo every minute tells health that Telegram
    still reaches the bot (no delivery error since the last look)."""
    if ops is None:
        return
    while True:
        try:
            info = await app.bot.get_webhook_info()
            failed = info.last_error_date
            recent = failed is not None and time.time() - failed.timestamp() < 2 * PROBE_SECONDS
            if info.url and not recent:
                ops.updates()
            elif recent:
                log.warning(
                    "Telegram could not deliver to the webhook: %s", info.last_error_message
                )
        except TelegramError as exc:
            log.warning("getWebhookInfo failed: %s", type(exc).__name__)
        await asyncio.sleep(PROBE_SECONDS)
