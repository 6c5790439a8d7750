"""Runs the real Application against the Bot API stand-in, inside the test's event loop."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.telegram.app import ALLOWED_UPDATES, build_application
from bot.telegram.pacing import Rates
from standins.botapi import BotApiStandIn, Call

TOKEN = "123456:TEST-token_for-tests"


# Most tests send one chat many messages in a row; Telegram's one a second per chat would make
# them slow without testing anything. Tests of pacing itself pass `rates=Rates()`.
FAST = Rates(overall=1000, private=1000, private_burst=1000, group=1000, group_burst=1000)


def settings_for(standin: BotApiStandIn, data_dir: Path, **changes: Any) -> Settings:
    changes.setdefault("rates", FAST)
    return dataclasses.replace(
        Settings.from_env(),
        token=standin.token,
        api_base_url=standin.base_url,
        data_dir=data_dir,
        offline=True,
        **changes,
    )


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


class Harness:
    def __init__(self, standin: BotApiStandIn, app: Any) -> None:
        self.standin = standin
        self.app = app

    async def exchange(
        self, update: dict[str, Any], chat_id: int, settle: float = 0.15
    ) -> list[Call]:
        """Pushes one update and returns what the bot delivered to that chat because of it."""
        before = len(self.standin.replies(chat_id))
        self.standin.push(update)
        await wait_until(lambda: len(self.standin.replies(chat_id)) > before)
        return await self.settled(chat_id, before, settle)

    async def settled(self, chat_id: int | None, before: int, settle: float = 0.15) -> list[Call]:
        """Waits until no more replies arrive for `settle` seconds."""
        count = -1
        while count != len(self.standin.replies(chat_id)):
            count = len(self.standin.replies(chat_id))
            await asyncio.sleep(settle)
        return self.standin.replies(chat_id)[before:]

    async def silence(self, update: dict[str, Any], chat_id: int, wait: float = 0.4) -> list[Call]:
        """Pushes an update that should get no reply; returns whatever did arrive."""
        before = len(self.standin.replies(chat_id))
        update_id = self.standin.push(update)
        await wait_until(lambda: self.standin.updates_confirmed(update_id))
        await asyncio.sleep(wait)
        return self.standin.replies(chat_id)[before:]


@asynccontextmanager
async def running_bot(
    data_dir: Path,
    assistant: Any,
    *,
    token: str = TOKEN,
    settings: dict[str, Any] | None = None,
    **options: Any,
) -> AsyncIterator[Harness]:
    """settings: Settings fields to change (admin_ids, learn, content_dir…); options go to
    build_application."""
    standin = BotApiStandIn(token=token).start()
    app = build_application(
        settings_for(standin, data_dir, **(settings or {})), assistant, **options
    )
    try:
        async with app:
            await app.post_init(app)
            await app.start()
            await app.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES
            )
            try:
                yield Harness(standin, app)
            finally:
                await app.updater.stop()
                await app.stop()
                await app.post_shutdown(app)
    finally:
        standin.stop()


def offline_assistant() -> Any:
    """The assistant the Telegram tests share: shipped content, no live data."""
    from bot.assemble import build_assistant

    return build_assistant(
        dataclasses.replace(Settings.from_env(), offline=True), live_data=False, remember=False
    )


def texts(calls: list[Call]) -> list[str]:
    """What the bot sent as messages, as the resident reads it."""
    return [c.plain_text for c in calls if c.method == "sendMessage"]


def assert_valid(harness: Any) -> None:
    """No call to the stand-in broke the Bot API spec."""
    assert harness.standin.invalid == [], [c.errors for c in harness.standin.invalid]
