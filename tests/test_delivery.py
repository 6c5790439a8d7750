"""No 112 reply lost: the real bot against the Bot API stand-in with faults injected there.

Each fault hits the next twelve sendMessage calls (six 429s): an emergency sent meanwhile must get
its alarm once the fault clears, and no reply other than an alarm may arrive twice. Waits between
tries are shortened for the tests (Deadlines), the faults are not.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.storage import DATABASE_FILE
from bot.telegram.delivery import Deadlines
from standins.botapi import BotApiStandIn, text_update
from tests.telegram_harness import running_bot, wait_until

EMERGENCY = "HELP er wordt nu ingebroken bij de buren!"
QUESTION = "hoe doe ik aangifte van fietsdiefstal"
FAST = Deadlines(first_wait=0.05, longest_wait=0.3)
FAULTS = [
    ("500", {"status": 500, "times": 12}),
    ("502", {"status": 502, "times": 12}),
    ("reset", {"status": "reset", "times": 12}),
    ("429", {"status": 429, "times": 6, "retry_after": 1}),
    ("stall", {"status": "stall", "times": 1, "seconds": 10.0}),
]


def texts_to(bot, chat: int) -> list[str]:
    return [c.plain_text for c in bot.standin.replies(chat, "sendMessage")]


@pytest.mark.parametrize(("name", "fault"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_an_emergency_during_a_fault_gets_its_alarm_after_it(
    tmp_path: Path, shipped, name: str, fault: dict
) -> None:
    async with running_bot(tmp_path, shipped, deadlines=FAST) as bot:
        bot.standin.fail("sendMessage", **fault)
        bot.standin.push(text_update(101, EMERGENCY))
        bot.standin.push(text_update(202, QUESTION))
        await wait_until(lambda: texts_to(bot, 101), timeout=60)
        alarm = texts_to(bot, 101)[0]
        assert alarm.splitlines()[0] == shipped.content.text("alarm", "nl", spoed="112")
        await wait_until(lambda: texts_to(bot, 202) or name == "stall", timeout=60)
        await asyncio.sleep(11 if name == "stall" else 0.5)  # a stalled call lands late
        questions = texts_to(bot, 202)
        assert len(questions) <= 1, "a reply other than an alarm arrived twice"
        if name != "stall":
            assert len(questions) == 1, "a reply was lost"
        assert bot.standin.invalid == []


async def test_an_answer_that_timed_out_gets_no_apology_beside_it(tmp_path: Path, shipped) -> None:
    """The stall hits the question itself: it lands late, once, and no apology follows it."""
    async with running_bot(tmp_path, shipped, deadlines=FAST) as bot:
        bot.standin.fail("sendMessage", status="stall", times=1, seconds=10.0)
        bot.standin.push(text_update(202, QUESTION))
        await wait_until(lambda: texts_to(bot, 202), timeout=60)
        await asyncio.sleep(11)  # the stalled answer lands after its read timed out
        assert len(texts_to(bot, 202)) == 1
        assert bot.standin.invalid == []


async def test_twelve_500s_in_a_row_leave_nobody_without_an_answer(tmp_path: Path, shipped) -> None:
    async with running_bot(tmp_path, shipped, deadlines=FAST) as bot:
        bot.standin.fail("sendMessage", 500, times=12)
        for chat, text in ((1, EMERGENCY), (2, QUESTION), (3, "hallo")):
            bot.standin.push(text_update(chat, text))
        await wait_until(lambda: all(texts_to(bot, c) for c in (1, 2, 3)), timeout=60)
        apology = shipped.content.text("fout", "nl", spoed="112", geen_spoed="0900-8844")
        assert all(apology not in t for c in (1, 2, 3) for t in texts_to(bot, c))


async def test_flood_control_never_silences_an_emergency(tmp_path: Path, shipped) -> None:
    async with running_bot(tmp_path, shipped) as bot:
        for _ in range(20):
            bot.standin.push(text_update(55, "hallo"))
        await wait_until(lambda: len(texts_to(bot, 55)) >= 20, timeout=60)
        before = len(texts_to(bot, 55))
        bot.standin.push(text_update(55, "hallo"))  # the 21st: one notice, with 112
        bot.standin.push(text_update(55, "HELP brand in mijn huis, ik krijg geen lucht"))
        bot.standin.push(text_update(55, "er staat iemand met een mes voor mijn deur"))
        await wait_until(lambda: sum("🚨" in t for t in texts_to(bot, 55)[before:]) >= 2)
        new = texts_to(bot, 55)[before:]
        notice = [t for t in new if "veel berichten" in t]
        assert all("112" in t for t in notice)


async def test_a_damaged_database_costs_no_alarm(tmp_path: Path, shipped, caplog) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / DATABASE_FILE).write_bytes(b"this is not a database" * 100)
    async with running_bot(data, shipped) as bot:
        started = time.monotonic()
        bot.standin.push(text_update(7, EMERGENCY))
        await wait_until(lambda: texts_to(bot, 7), timeout=10)
        assert time.monotonic() - started < 2
        assert "🚨" in texts_to(bot, 7)[0]
        calls = await bot.exchange(text_update(8, "wie is mijn wijkagent?"), 8)
        assert calls  # and the bot goes on answering with a new database
    moved = [p.name for p in data.iterdir() if ".damaged-" in p.name]
    assert moved, "the damaged file is kept aside"
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "damaged" in r.getMessage()]
    assert len(errors) == 1


async def test_a_locked_database_delays_no_alarm(tmp_path: Path, shipped) -> None:
    data = tmp_path / "data"
    async with running_bot(data, shipped) as bot:
        await bot.exchange(text_update(9, "hallo"), 9)  # the database exists and is in use
        other = sqlite3.connect(data / DATABASE_FILE, timeout=1)
        other.execute("BEGIN EXCLUSIVE")  # another process holds the lock
        try:
            started = time.monotonic()
            bot.standin.push(text_update(10, EMERGENCY))
            await wait_until(lambda: texts_to(bot, 10), timeout=10)
            assert time.monotonic() - started < 2
            assert "🚨" in texts_to(bot, 10)[0]
        finally:
            other.rollback()
            other.close()


async def test_an_edited_emergency_and_a_caption_get_the_alarm(tmp_path: Path, shipped) -> None:
    async with running_bot(tmp_path, shipped) as bot:
        original = text_update(12, "hallo")
        await bot.exchange(original, 12)
        edited = {"edited_message": {**original["message"], "text": EMERGENCY, "edit_date": 1}}
        calls = await bot.exchange(edited, 12)
        assert "🚨" in calls[0].plain_text
        photo = text_update(13, "")
        photo["message"].pop("text")
        photo["message"]["photo"] = [
            {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}
        ]
        photo["message"]["caption"] = "er staat iemand met een mes in de tuin"
        calls = await bot.exchange(photo, 13)
        assert "🚨" in calls[0].plain_text


def test_alarms_go_first_in_a_burst(tmp_path: Path) -> None:
    """1,000 messages at once, 50 emergencies among them, at Telegram's real rates (the FAQ
    answers take half a minute to go out): every alarm within 3 s of its update arriving. The
    bot runs as its own process, as in production, so the stand-in's work is not on its loop."""
    standin = BotApiStandIn(token=KILL_TOKEN).start()
    bot = _start_bot(standin, tmp_path, traced=False)
    try:
        deadline = time.monotonic() + 60
        while standin.first_get_updates is None and time.monotonic() < deadline:
            time.sleep(0.02)
        pushed: dict[int, float] = {}
        for n in range(1000):
            chat = 10_000 + n
            urgent = n % 20 == 19
            standin.push(text_update(chat, EMERGENCY if urgent else QUESTION))
            if urgent:
                pushed[chat] = time.perf_counter()
        deadline = time.monotonic() + 30
        while not all(standin.replies(c, "sendMessage") for c in pushed):
            assert time.monotonic() < deadline, "not every alarm arrived"
            time.sleep(0.05)
    finally:
        bot.kill()
        bot.wait(timeout=30)
        standin.stop()
    arrived = {c: standin.replies(c, "sendMessage")[0].at for c in pushed}
    late = {c: round(arrived[c] - pushed[c], 2) for c in pushed if arrived[c] - pushed[c] > 3}
    assert late == {}, late


KILL_TOKEN = "123456:DELIVERYTEST"


def _start_bot(standin, tmp_path: Path, *, traced: bool = True):
    """traced=False: without the coverage tracer the test run puts into subprocesses (it slows
    the bot by a third), for a test that times the bot as it runs in production."""
    unset = ("TELEGRAM_", "WIJKBOT_") if traced else ("TELEGRAM_", "WIJKBOT_", "COVERAGE_PROCESS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    env.update(
        TELEGRAM_BOT_TOKEN=KILL_TOKEN,
        TELEGRAM_API_BASE_URL=standin.base_url,
        WIJKBOT_DATA_DIR=str(tmp_path / "data"),
        WIJKBOT_OFFLINE="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_crash_loses_no_update(tmp_path: Path) -> None:
    """400 queued, 60 of them emergencies, SIGKILL a second in, restart: 400/400 answered, and
    at most the one reply in flight at the kill answered twice."""
    standin = BotApiStandIn(token=KILL_TOKEN).start()
    chats = list(range(50_000, 50_400))
    for n, chat in enumerate(chats):
        standin.push(text_update(chat, EMERGENCY if n % 20 < 3 else QUESTION))

    def start() -> subprocess.Popen:
        return _start_bot(standin, tmp_path)

    first = start()
    try:
        deadline = time.monotonic() + 60
        while not standin.replies() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(1.0)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        answered_before = len({c.chat_id for c in standin.replies()})
        second = start()
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if all(standin.replies(chat, "sendMessage") for chat in chats):
                    break
                time.sleep(0.1)
            time.sleep(1.0)
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        standin.stop()
    counts = {chat: len(standin.replies(chat, "sendMessage")) for chat in chats}
    missing = [c for c, n in counts.items() if n == 0]
    twice = [c for c, n in counts.items() if n > 1]
    assert 0 < answered_before < 400, "the kill must come mid-way"
    assert missing == []
    assert len(twice) <= 1, twice
