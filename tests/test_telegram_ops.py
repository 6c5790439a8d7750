"""The operations endpoint of a running bot, against the Bot API stand-in: /healthz tells the
truth (200 while getUpdates and sendMessage work, 503 naming the failing check), /metrics counts
replies, alarms by kind and source, retries and 429s; the systemd watchdog is fed while healthy.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.telegram.delivery import Deadlines
from bot.telegram.handlers.common import SERVICES_KEY
from standins.botapi import text_update
from tests.telegram_harness import offline_assistant, running_bot, wait_until

ALICE = 4242


@pytest.fixture(scope="module")
def assistant():
    return offline_assistant()


def _port(harness) -> int:
    return harness.app.bot_data[SERVICES_KEY].operations.server.port


async def _get(port: int, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_health_and_metrics_follow_the_bot(tmp_path: Path, assistant) -> None:
    settings = {"ops_listen": "127.0.0.1:0", "health_max_send_age": 1.0}
    deadlines = Deadlines(other=3.0, first_wait=0.05, longest_wait=0.2)
    async with running_bot(
        tmp_path / "data", assistant, settings=settings, deadlines=deadlines
    ) as bot:
        port = _port(bot)
        await wait_until(lambda: bot.standin.methods().count("getUpdates") > 0)
        await bot.exchange(text_update(ALICE, "mijn fiets is gestolen"), ALICE)
        await bot.exchange(text_update(ALICE, "help er wordt nu ingebroken bij de buren!"), ALICE)
        status, body = await _get(port, "/healthz")
        assert status == 200, body
        status, metrics = await _get(port, "/metrics")
        assert 'wijkbot_replies_total{decision="sure",language="nl"} 2.0' in metrics
        assert 'wijkbot_alarms_total{kind="misdrijf",source="rule"} 1.0' in metrics
        assert "wijkbot_inbox_backlog 0.0" in metrics
        assert "wijkbot_reply_seconds_count 2.0" in metrics
        assert f'version="{assistant.content.version}"' in metrics

        bot.standin.fail("sendMessage", 500, times=40)  # Telegram refuses every send for a while
        bot.standin.push(text_update(ALICE, "hoe laat is het bureau open?"))
        await asyncio.sleep(1.6)
        status, body = await _get(port, "/healthz")
        assert status == 503
        assert '"failed": ["sending"]' in body or '"failed":["sending"]' in body
        status, metrics = await _get(port, "/metrics")
        assert 'wijkbot_send_retries_total{method="sendMessage"}' in metrics

        bot.standin.clear_faults()  # Telegram takes sends again
        await bot.exchange(text_update(ALICE + 1, "hallo"), ALICE + 1)
        status, body = await _get(port, "/healthz")
        assert status == 200, body  # and healthy again


async def test_the_watchdog_is_fed_while_healthy(
    tmp_path: Path, assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "notify"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(path))
    listener.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # 0.2 s: pinged every 0.1 s
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    got: list[bytes] = []
    try:
        async with running_bot(tmp_path / "data", assistant) as bot:
            await bot.exchange(text_update(ALICE, "hallo"), ALICE)  # getUpdates works
            await asyncio.sleep(0.6)
            while True:
                try:
                    got.append(listener.recv(64))
                except BlockingIOError:
                    break
    finally:
        listener.close()
    assert got[0] == b"READY=1"
    assert got.count(b"WATCHDOG=1") >= 2
