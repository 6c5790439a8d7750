"""The HTTP client the bot talks to the Bot API with: aiohttp instead of PTB's default httpx.

Why: in bench_e2e the bot process was CPU-bound at about 210 replies a second, and most of that
CPU went to httpx/httpcore's per-request bookkeeping (connection pool scans, anyio wrappers).
aiohttp does the same HTTP/1.1 keep-alive work in far less Python. python-telegram-bot supports a
custom `BaseRequest`; this one keeps its error contract (TimedOut, NetworkError).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.ops.state import Ops
from bot.telegram.inbox import Inbox

log = logging.getLogger(__name__)

# Seconds, for getUpdates, before PTB's longer back-off: a hiccup of milliseconds costs 50 ms.
QUICK_RETRIES = (0.05, 0.1, 0.2, 0.4, 0.8)

# PTB marks "not given" timeouts with this sentinel's type (its class is not public API).
_DefaultValue = type(BaseRequest.DEFAULT_NONE)


class AiohttpRequest(BaseRequest):
    """A small pool of keep-alive connections to one Bot API server."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float = 5.0,
        write_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        pool_timeout: float = 30.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read if isinstance(read_timeout, _DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, _DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, _DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=pool,  # aiohttp's `connect` includes waiting for a free connection
            sock_connect=connect,
            sock_read=read,
        )
        data: Any = None
        if request_data is not None:
            files = request_data.multipart_data
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                data = form
            else:
                data = request_data.json_parameters
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, headers={"User-Agent": self.USER_AGENT}
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            # No connection (or none free) in time: the request never left, so it may be retried.
            raise NetworkError(f"aiohttp.{type(err).__name__}: not sent") from err
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            # Sent, but no answer in time: Telegram may have delivered it
            # (bot/telegram/delivery.py).
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


class UpdatesRequest(AiohttpRequest):
    """The getUpdates connection: quick retries, the durable inbox, unreadable updates skipped.

    - python-telegram-bot parses a whole batch at once; one update it cannot read made polling
      fetch the same batch forever (39,923 retries in 458 s, each logged with every resident's
      text and id). Each update is tried on its own first; one that fails is replaced by its bare
      `update_id` (the offset moves past it, no handler answers it) and logged once, id only.
    - Every update is written to the inbox (bot/telegram/inbox.py) before PTB gets it, i.e. before
      the next getUpdates confirms it to Telegram; one the inbox already knows is reduced to its id.
    - A Telegram hiccup (a 5xx, a dropped connection) is retried after 0.05, 0.1, 0.2, 0.4 and
      0.8 s before PTB's own back-off (1 s, 1.5 s, 2.25 s …) takes over.
    """

    def __init__(
        self, *args: Any, inbox: Inbox | None = None, ops: Ops | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.inbox = inbox
        self.ops = ops

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if not url.endswith("/getUpdates"):
            return await super().do_request(url, method, *args, **kwargs)
        for pause in (*QUICK_RETRIES, None):
            try:
                status, payload = await super().do_request(url, method, *args, **kwargs)
            except TimedOut:
                raise  # a long poll that timed out is PTB's business
            except NetworkError:
                if pause is None:
                    raise
                await asyncio.sleep(pause)
                continue
            if status < 500 or pause is None:
                break
            await asyncio.sleep(pause)
        if status != 200:
            return status, payload
        admitted = self._admit(readable_batch(payload))
        if self.ops is not None:  # fetched and stored: Telegram reaches us
            self.ops.updates()
        return status, admitted

    def _admit(self, payload: bytes) -> bytes:
        """Writes the batch to the inbox; updates it already knows come back as bare ids."""
        if self.inbox is None:
            return payload
        body = json.loads(payload)
        updates = body.get("result") if isinstance(body, dict) else None
        if not isinstance(updates, list) or not updates:
            return payload
        known = self.inbox.receive(updates)
        if not known:
            return payload
        body["result"] = [
            {"update_id": u["update_id"]} if u.get("update_id") in known else u for u in updates
        ]
        return json.dumps(body).encode()


def readable_batch(payload: bytes) -> bytes:
    """The getUpdates answer with every unreadable update reduced to its id."""
    try:
        body = json.loads(payload)
    except ValueError:
        return payload  # PTB reports a broken answer itself, without any update in it
    updates = body.get("result") if isinstance(body, dict) else None
    if not isinstance(updates, list):
        return payload
    kept = [readable_update(update) for update in updates]
    if all(a is b for a, b in zip(kept, updates, strict=True)):
        return payload
    body["result"] = [u for u in kept if u is not None]
    return json.dumps(body).encode()


def readable_update(update: Any) -> Any:
    """The update if python-telegram-bot can read it, else its bare id (logged once, the id
    only), or None without an id."""
    update_id = update.get("update_id") if isinstance(update, dict) else None
    try:
        Update.de_json(update, None)
        return update
    except Exception as exc:
        if not isinstance(update_id, int):
            log.warning("skipped an update without an id (%s)", type(exc).__name__)
            return None
        log.warning("update %d cannot be read (%s); skipped", update_id, type(exc).__name__)
        return {"update_id": update_id}
