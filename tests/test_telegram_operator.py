"""Operator features on the real Application against the Bot API stand-in: feedback buttons, the
learning log and counters, conversation state in SQLite, retention, /herlaad, /stats and SIGHUP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest

from bot.assemble import build_assistant
from bot.config import Settings, default_content_dir
from bot.core.assistant import Assistant
from bot.core.memory import pseudonym
from bot.live_client import DiskCache, HttpLiveLookup
from bot.operators import learning
from bot.storage import DATABASE_FILE, Database, load_or_create_secret
from bot.telegram.app import PURGE_JOB
from bot.telegram.chat_state import ConversationState
from bot.telegram.recent import RecentQuestions
from bot.telegram.render import MAX_CALLBACK_BYTES, feedback_payload, parse_feedback
from standins.botapi import callback_update, group_chat, text_update
from tests.telegram_harness import assert_valid, offline_assistant, running_bot, texts, wait_until

USER = 5151
ADMIN = 6161
FIETS = "mijn fiets is gestolen, bel me op 06-12345678"


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return offline_assistant()


def store_in(data_dir: Path, **kwargs) -> learning.SqliteLearningStore:
    return learning.SqliteLearningStore(Database(data_dir / DATABASE_FILE), **kwargs)


def keyboard(call) -> list[list[dict]]:
    return (call.value("reply_markup") or {}).get("inline_keyboard", [])


async def press(bot, payload: str, message: dict, user: int = USER):
    """Presses a button; returns the answerCallbackQuery call that answered it."""
    before = bot.standin.methods().count("answerCallbackQuery")
    bot.standin.push(callback_update(user, payload, message))
    await wait_until(lambda: bot.standin.methods().count("answerCallbackQuery") > before)
    return [c for c in bot.standin.calls if c.method == "answerCallbackQuery"][-1]


# -- feedback ---------------------------------------------------------------------------------


async def test_faq_answer_has_feedback_row_after_the_core_buttons(tmp_path: Path, assistant):
    async with running_bot(tmp_path, assistant) as bot:
        calls = await bot.exchange(text_update(USER, FIETS), USER)
        last = [c for c in calls if c.method == "sendMessage"][-1]
        assert last.plain_text.endswith("Was dit nuttig?")
        rows = keyboard(last)
        core = [b["callback_data"] for row in rows[:-1] for b in row]
        assert core and all(p.startswith("faq:") for p in core)
        feedback = [b["callback_data"] for b in rows[-1]]
        assert feedback == ["fb:+:fietsdiefstal", "fb:-:fietsdiefstal"]
        assert [b["text"] for b in rows[-1]] == ["👍", "👎"]

        # not under an alarm, an action, a question back, or in a group
        alarm = await bot.exchange(text_update(USER, "er wordt nu ingebroken bij de buren"), USER)
        help_ = await bot.exchange(text_update(USER, "/help"), USER)
        ask = await bot.exchange(text_update(USER, "wie is mijn wijkagent?"), USER)
        group = group_chat()
        mention = text_update(USER, f"@wijkbot_test_bot {FIETS}", chat=group)
        in_group = await bot.exchange(mention, group["id"])
        for calls in (alarm, help_, ask, in_group):
            payloads = [b["callback_data"] for c in calls for row in keyboard(c) for b in row]
            assert not any(p.startswith("fb:") for p in payloads)
            assert "nuttig" not in "\n".join(texts(calls))
        assert_valid(bot)


async def test_thumbs_are_counted_and_a_thumbs_down_logs_the_scrubbed_question(
    tmp_path: Path, assistant
) -> None:
    async with running_bot(tmp_path, assistant) as bot:
        await bot.exchange(text_update(USER, FIETS), USER)
        answer = bot.standin.sent[max(bot.standin.sent)]
        answered = await press(bot, "fb:-:fietsdiefstal", answer)
        assert answered.params.get("text") == "Dank u wel voor uw reactie."
        await wait_until(lambda: "editMessageReplyMarkup" in bot.standin.methods())
        edit = [c for c in bot.standin.calls if c.method == "editMessageReplyMarkup"][-1]
        left = [b["callback_data"] for row in keyboard(edit) for b in row]
        assert left and not any(p.startswith("fb:") for p in left)  # core buttons stay

        await bot.exchange(text_update(USER, "waar is het politiebureau?"), USER)
        station = next(m for m in reversed(bot.standin.sent.values()) if "text" in m)
        await press(bot, "fb:+:politiebureau", station)
        # a forged or removed entry: answered, not counted; a second 👎 without a question
        await press(bot, "fb:-:bestaat_niet", station)
        await press(bot, "fb:-:fietsdiefstal", answer)
        assert_valid(bot)

    store = store_in(tmp_path)
    today = dt.date.today().isoformat()
    counts = {(f.intent, f.useful): f.count for f in store.feedback_counts(today)}
    assert counts == {("fietsdiefstal", False): 2, ("politiebureau", True): 1}
    [logged] = store.messages(today)
    assert logged.decision == learning.THUMBS_DOWN and logged.intent == "fietsdiefstal"
    assert "[telefoon]" in logged.text and "06-12345678" not in logged.text


def test_feedback_payloads_fit_and_parse() -> None:
    longest = "a" * (MAX_CALLBACK_BYTES - len("fb:-:"))
    assert len(feedback_payload(longest, False).encode()) == MAX_CALLBACK_BYTES
    assert parse_feedback("fb:+:fietsdiefstal") == ("fietsdiefstal", True)
    assert parse_feedback("fb:-:x") == ("x", False)
    for bad in ("fb:*:x", "fb:+:", "faq:fietsdiefstal", "fb", ""):
        assert parse_feedback(bad) is None


def test_recent_questions_are_bounded_used_once_and_age() -> None:
    now = [0.0]
    recent = RecentQuestions(limit=2, max_age=10, clock=lambda: now[0])
    recent.put("a", "x", "vraag a")
    recent.put("b", "x", "vraag b")
    recent.put("c", "x", "vraag c")
    assert len(recent) == 2 and recent.take("a", "x") is None
    assert recent.take("b", "other") is None  # another answer's buttons: no question
    assert recent.take("b", "x") is None  # and it was used up
    now[0] = 11
    assert recent.take("c", "x") is None


# -- learning log and counters ----------------------------------------------------------------

NOT_UNDERSTOOD = "zitten er gnomen in het park bij Brink 12, mail jan@voorbeeld.nl"


@pytest.mark.parametrize("learn", [True, False])
async def test_not_understood_texts_are_logged_scrubbed_unless_learning_is_off(
    tmp_path: Path, assistant, learn: bool
) -> None:
    async with running_bot(tmp_path, assistant, settings={"learn": learn}) as bot:
        await bot.exchange(text_update(USER, NOT_UNDERSTOOD), USER)
        await bot.exchange(text_update(USER, FIETS), USER)
        await bot.exchange(text_update(USER, "/spoed"), USER)
        await bot.exchange(text_update(USER, FIETS), USER)
        answer = next(m for m in reversed(bot.standin.sent.values()) if "text" in m)
        await press(bot, "fb:-:fietsdiefstal", answer)
        assert_valid(bot)

    store = store_in(tmp_path)
    today = dt.date.today().isoformat()
    rows = store.messages(today)
    counts = {(c.intent, c.decision): c.count for c in store.reply_counts(today)}
    assert counts[("", "not_understood")] == 1
    assert counts[("fietsdiefstal", "sure")] == 2
    assert sum(counts.values()) == 4  # the counters count without text, learning on or off
    if not learn:
        assert rows == []
        return
    assert sorted(r.decision for r in rows) == ["not_understood", learning.THUMBS_DOWN]
    logged = next(r for r in rows if r.decision == "not_understood")
    assert "[adres]" in logged.text and "[email]" in logged.text
    assert "Brink 12" not in logged.text and "jan@voorbeeld.nl" not in logged.text
    assert logged.content_version == assistant.content.version
    assert logged.top and all(isinstance(i, str) for i, _ in logged.top)


# -- conversation state -----------------------------------------------------------------------


async def test_conversation_state_is_in_sqlite_under_the_chat_pseudonym(tmp_path: Path, assistant):
    async with running_bot(tmp_path, assistant) as bot:
        await bot.exchange(text_update(USER, "wie is mijn wijkagent?"), USER)
    key = pseudonym(USER, load_or_create_secret(tmp_path))
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        rows = db.execute("SELECT chat_key, awaiting FROM conversation_state").fetchall()
    assert rows == [(key, "plaats")]
    assert not list(tmp_path.glob("*.pickle"))

    # a restart keeps it: "Brink 12" is read as the answer to "waar woont u?"
    async with running_bot(tmp_path, assistant) as bot:
        answer = texts(await bot.exchange(text_update(USER, "Brink 12"), USER))
        assert "Die plek kan ik niet vinden" in answer[0]
        erased = texts(await bot.exchange(text_update(USER, "/vergeet"), USER))
        assert "gewist" in erased[0]
        assert bot.app.bot_data["wijkbot"].state.get(key) is None
        # without the state the same words are just not understood
        again = texts(await bot.exchange(text_update(USER, "Brink 12"), USER))
        assert "begrijp ik niet" in again[0]
        assert_valid(bot)
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        assert db.execute("SELECT count(*) FROM conversation_state").fetchone() == (0,)


def test_conversation_state_expires_after_a_day(tmp_path: Path) -> None:
    now = [1_000_000.0]
    state = ConversationState(Database(tmp_path / "db.sqlite3"), clock=lambda: now[0])
    state.set("k", "plaats")
    assert state.get("k") == "plaats"
    now[0] += 23 * 3600
    assert state.get("k") == "plaats"
    now[0] += 2 * 3600 + 1
    assert state.get("k") is None
    assert state.purge_expired() == 1
    state.set("k", "plaats")
    state.set("k", None)
    assert state.get("k") is None


async def test_retention_purge_runs_at_start_up_and_is_scheduled_daily(
    tmp_path: Path, assistant
) -> None:
    store = store_in(tmp_path)
    old = (dt.date.today() - dt.timedelta(days=91)).isoformat()
    recent = (dt.date.today() - dt.timedelta(days=89)).isoformat()
    for day in (old, recent):
        store.add_message(learning.LearnedMessage(day, "not_understood", f"tekst {day}", (), "v"))
        store.add_reply(day, "", "not_understood", False)
    store.database.close()
    async with running_bot(tmp_path, assistant) as bot:
        jobs = [job.name for job in bot.app.job_queue.jobs()]
        assert PURGE_JOB in jobs
    store = store_in(tmp_path)
    assert [m.day for m in store.messages("2000-01-01")] == [recent]
    assert [c.day for c in store.reply_counts("2000-01-01")] == [recent]


async def test_the_start_up_purge_removes_expired_live_answers(tmp_path: Path, content) -> None:
    cache_dir = tmp_path / "cache" / "live"
    cache_dir.mkdir(parents=True)
    legacy = {"stored_at": 1.0, "value": {"response": {"docs": [{"weergavenaam": "Brink 12"}]}}}
    (cache_dir / "legacy.json").write_text(json.dumps(legacy))
    live = HttpLiveLookup(
        "http://127.0.0.1:9/pdok", "http://127.0.0.1:9/politie", DiskCache(cache_dir)
    )
    async with running_bot(tmp_path, Assistant(content, live=live)):
        pass
    assert list(cache_dir.iterdir()) == []


# -- admin commands and reload ----------------------------------------------------------------


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target)
    return target


def admin_bot(tmp_path: Path, content: Path):
    settings = dataclasses.replace(
        Settings.from_env(), offline=True, content_dir=content, data_dir=tmp_path / "data"
    )
    return running_bot(
        tmp_path / "data",
        build_assistant(settings, live_data=False, remember=False),
        settings={"admin_ids": frozenset({ADMIN}), "content_dir": content},
    )


async def test_admin_commands_are_invisible_to_everyone_else(tmp_path: Path, content_copy):
    async with admin_bot(tmp_path, content_copy) as bot:
        unknown = texts(await bot.exchange(text_update(USER, "/bestaatniet"), USER))
        for command in ("/stats", "/herlaad", "/herlaad@wijkbot_test_bot"):
            assert texts(await bot.exchange(text_update(USER, command), USER)) == unknown
        group = group_chat()
        unknown_group = texts(
            await bot.exchange(text_update(ADMIN, "/bestaatniet@wijkbot_test_bot", chat=group),
                               group["id"])
        )  # fmt: skip
        in_group = text_update(ADMIN, "/stats@wijkbot_test_bot", chat=group)
        assert texts(await bot.exchange(in_group, group["id"])) == unknown_group
        assert await bot.silence(text_update(ADMIN, "/stats", chat=group), group["id"]) == []
        menus = [c.value("commands") for c in bot.standin.calls if c.method == "setMyCommands"]
        names = {entry["command"] for menu in menus for entry in menu}
        assert "vergeet" in names and not names & {"stats", "herlaad"}
        assert_valid(bot)


async def test_stats_shows_numbers_only(tmp_path: Path, content_copy) -> None:
    async with admin_bot(tmp_path, content_copy) as bot:
        await bot.exchange(text_update(USER, FIETS), USER)
        await bot.exchange(text_update(USER, NOT_UNDERSTOOD), USER)
        await bot.exchange(text_update(USER, "er wordt nu ingebroken bij de buren"), USER)
        [stats] = texts(await bot.exchange(text_update(ADMIN, "/stats"), ADMIN))
        assert stats.startswith("📊 Vandaag: 3 antwoorden")
        assert "1 niet begrepen" in stats and "1× alarm" in stats
        assert "gnomen" not in stats and "Brink" not in stats and str(USER) not in stats
        assert_valid(bot)


async def test_broken_content_via_herlaad_keeps_the_old_content_answering(
    tmp_path: Path, content_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    faq = content_copy / "faq.yaml"
    original = faq.read_text(encoding="utf-8")
    broken_line = original.splitlines().index("  - id: fietsdiefstal") + 1
    async with admin_bot(tmp_path, content_copy) as bot:
        before = texts(await bot.exchange(text_update(USER, FIETS), USER))[0]

        faq.write_text(original.replace("  - id: fietsdiefstal", "  - id: Fiets Diefstal"))
        [refused] = texts(await bot.exchange(text_update(ADMIN, "/herlaad"), ADMIN))
        assert refused.startswith("Herladen mislukt")
        assert f"faq.yaml:{broken_line}" in refused
        assert texts(await bot.exchange(text_update(USER, FIETS), USER))[0] == before

        # SIGHUP with the same broken file: logged with file and line, the bot keeps answering
        caplog.set_level(logging.INFO)
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(lambda: "SIGHUP: content refused" in caplog.text)
        assert f"faq.yaml:{broken_line}" in caplog.text
        assert texts(await bot.exchange(text_update(USER, FIETS), USER))[0] == before

        marker = "Kijk eerst (NIEUW) of de gemeente"
        assert "Kijk eerst of de gemeente" in original
        faq.write_text(original.replace("Kijk eerst of de gemeente", marker))
        [done] = texts(await bot.exchange(text_update(ADMIN, "/herlaad"), ADMIN))
        assert done.startswith("Inhoud herladen")
        assert marker in texts(await bot.exchange(text_update(USER, FIETS), USER))[0]

        faq.write_text(original)
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(lambda: "SIGHUP: content reloaded" in caplog.text)
        assert texts(await bot.exchange(text_update(USER, FIETS), USER))[0] == before
        assert_valid(bot)
