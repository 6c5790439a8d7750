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
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.telegram.inbox import Inbox
from bot.telegram.request import readable_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def handler(app: Application, secret: str, inbox: Inbox | None) -> Any:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            raw = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
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
    web_app.router.add_post("/" + path.lstrip("/"), handler(app, secret, inbox))
    runner = web.AppRunner(web_app, access_log=None)  # the access log would hold the path only
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=allowed_updates)
        log.info("webhook listening on %s:%d", listen, port)
        await stop.wait()
        await runner.cleanup()
        await app.stop()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
