"""The learning log: what is written and what not, retention, and no personal data on disk."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.memory import pseudonym
from bot.core.messages import Button, Query, Reply
from bot.operators.learning import (
    THUMBS_DOWN,
    SqliteLearningStore,
    count_reply,
    log_feedback,
    log_reply,
    purge_expired,
    ranked_of,
    stats_text,
)
from bot.operators.scrub import Scrubber
from bot.storage import DATABASE_FILE, Database, SqliteWijkMemory

TODAY = dt.date(2026, 11, 28)


class Clock:
    """A settable date, so retention can be tested without waiting 90 days."""

    def __init__(self, day: dt.date = TODAY) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def _store(data_dir: Path, content: Content, clock: Clock, **kwargs: object) -> SqliteLearningStore:
    return SqliteLearningStore(
        Database(data_dir / DATABASE_FILE),
        scrubber=Scrubber.for_numbers(line.nummer for line in content.lines.values()),
        today=clock,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, content: Content, clock: Clock) -> SqliteLearningStore:
    return _store(tmp_path / "data", content, clock)


def _rows(store: SqliteLearningStore) -> list[tuple]:
    connection = sqlite3.connect(store.database.path)
    try:
        return connection.execute("SELECT * FROM learning_log").fetchall()
    except sqlite3.OperationalError:  # the table was never created: nothing was written
        return []
    finally:
        connection.close()


async def test_not_understood_message_is_logged_scrubbed_with_day_only(
    store: SqliteLearningStore, assistant: Assistant, content: Content
) -> None:
    text = "wanneer begint de kermis? bel me op 06-12345678"
    reply = await assistant.reply(Query(text=text))
    assert reply.decision == "not_understood"

    assert log_reply(store, text, reply, content.version, ranked=ranked_of(reply))

    [row] = _rows(store)
    # day, decision, text, top intents, version, intent, alarm reasons: no user column
    assert len(row) == 7
    [message] = store.messages("2000-01-01")
    assert message.text == "wanneer begint de kermis? bel me op [telefoon]"
    assert message.day == "2026-11-28"
    assert message.decision == "not_understood"
    assert message.content_version == content.version
    assert all(isinstance(score, float) for _, score in message.top)
    assert json.loads(row[3]) == [list(t) for t in message.top]


async def test_ambiguous_reply_keeps_the_offered_entries(
    store: SqliteLearningStore, content: Content
) -> None:
    reply = Reply(
        body="",
        footer="",
        decision="ambiguous",
        intent="fietsdiefstal",
        confidence=0.4213,
        buttons=(
            Button("Fiets", "faq:fietsdiefstal"),
            Button("Inbraak", "faq:inbraak"),
            Button("Iets anders", "other"),
        ),
    )
    assert log_reply(store, "stalen ros foetsie", reply, content.version)
    [message] = store.messages("2000-01-01")
    assert message.top == (("fietsdiefstal", 0.4213), ("inbraak", None))


async def test_answered_messages_are_counted_not_logged(
    store: SqliteLearningStore, assistant: Assistant, content: Content
) -> None:
    reply = await assistant.reply(Query(text="mijn fiets is gestolen, bel 06-12345678"))
    assert reply.decision == "sure"
    assert not log_reply(store, "mijn fiets is gestolen, bel 06-12345678", reply, content.version)
    count_reply(store, reply)
    count_reply(store, reply)
    assert _rows(store) == []
    [count] = store.reply_counts("2000-01-01")
    assert (count.intent, count.decision, count.alarm, count.count) == (
        "fietsdiefstal",
        "sure",
        False,
        2,
    )


async def test_learning_off_writes_no_text(
    tmp_path: Path, assistant: Assistant, content: Content, clock: Clock
) -> None:
    store = _store(tmp_path / "data", content, clock, learn=False)
    text = "wanneer is de kermis op de Brink 12"
    reply = await assistant.reply(Query(text=text))
    assert reply.decision == "not_understood"

    assert not log_reply(store, text, reply, content.version)
    log_feedback(store, "fietsdiefstal", False, query_text="fiets weg", content_version="v")
    count_reply(store, reply)

    assert _rows(store) == []
    assert store.messages("2000-01-01") == []
    # the numbers-only counters still count: they hold no text and nothing about anyone
    assert sum(c.count for c in store.reply_counts("2000-01-01")) == 1
    assert b"kermis" not in b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir())


def test_feedback_counts_per_intent_per_day_and_thumbs_down_is_logged(
    store: SqliteLearningStore, clock: Clock
) -> None:
    log_feedback(store, "fietsdiefstal", True)
    log_feedback(store, "fietsdiefstal", True)
    log_feedback(
        store, "fietsdiefstal", False, query_text="fiets weg, mail a@b.nl", content_version="v1"
    )
    clock.day = TODAY + dt.timedelta(days=1)
    log_feedback(store, "inbraak", False)  # no question known: counted only

    counts = {(f.day, f.intent, f.useful): f.count for f in store.feedback_counts("2000-01-01")}
    assert counts == {
        ("2026-11-28", "fietsdiefstal", True): 2,
        ("2026-11-28", "fietsdiefstal", False): 1,
        ("2026-11-29", "inbraak", False): 1,
    }
    [message] = store.messages("2000-01-01")
    assert (message.decision, message.intent, message.text) == (
        THUMBS_DOWN,
        "fietsdiefstal",
        "fiets weg, mail [email]",
    )


def test_purge_removes_rows_older_than_retention(
    tmp_path: Path, content: Content, clock: Clock
) -> None:
    store = _store(tmp_path / "data", content, clock, retention_days=90)
    old_reply = Reply(body="", footer="", decision="not_understood")
    for days_ago, text in (
        (120, "oude vraag over zwanenvoer"),
        (91, "bijna oud over ganzen"),
        (90, "net binnen de termijn"),
        (0, "vraag van vandaag"),
    ):
        clock.day = TODAY - dt.timedelta(days=days_ago)
        log_reply(store, text, old_reply, "v1")
        count_reply(store, old_reply)
        log_feedback(store, "fietsdiefstal", True)
    clock.day = TODAY

    removed = purge_expired(store)

    assert removed == 2 * 3  # two old days in each of the three tables
    assert [m.text for m in store.messages("2000-01-01")] == [
        "net binnen de termijn",
        "vraag van vandaag",
    ]
    assert {c.day for c in store.reply_counts("2000-01-01")} == {"2026-08-30", "2026-11-28"}
    assert {f.day for f in store.feedback_counts("2000-01-01")} == {"2026-08-30", "2026-11-28"}
    store.database.close()
    on_disk = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir())
    assert b"zwanenvoer" not in on_disk and b"ganzen" not in on_disk
    assert b"termijn" in on_disk


def test_long_messages_are_cut_after_scrubbing(store: SqliteLearningStore) -> None:
    text = "x " * 400 + "bel 06-12345678"
    log_reply(
        store, "lang verhaal " + text, Reply(body="", footer="", decision="not_understood"), "v"
    )
    [message] = store.messages("2000-01-01")
    assert len(message.text) <= 501 and "06" not in message.text


async def test_no_personal_data_on_disk_after_a_session(
    tmp_path: Path, content: Content, clock: Clock
) -> None:
    """Residents send numbers, mail addresses and addresses; the data directory keeps none of it."""
    data = tmp_path / "data"
    database = Database(data / DATABASE_FILE)
    store = _store(data, content, clock)
    store = SqliteLearningStore(database, scrubber=store.scrubber, today=clock)
    memory = SqliteWijkMemory(database, secret=b"s" * 32)
    assistant = Assistant(content, memory=memory)
    residents = {
        781234567: [
            "wanneer is de kermis, bel me op 06-81234567",
            "mijn buurman op Keizerstraat 41 maakt herrie, mail ruud.devries@example.nl",
            "wat doen jullie met de Hoge Hondstraat 12-2 vragen",
            "wie is mijn wijkagent",
            "7411 AB",
        ],
        692345678: [
            "hoi, mijn nummer is +31 6 2345 6789, kan iemand de kermis bellen",
            "ik woon op de Brink 12 en de kermis is te luid, kenteken 12-ABC-3",
            "mijn iban is NL91ABNA0417164300 voor de kermis",
        ],
    }
    secret_strings = [
        "81234567",
        "ruud.devries",
        "example.nl",
        "Keizerstraat",
        "Hondstraat",
        "Brink 12",
        "2345 6789",
        "23456789",
        "12-ABC-3",
        "NL91ABNA0417164300",
        "0417164300",
        "7411 AB",
    ]
    for user_id, messages in residents.items():
        user = pseudonym(user_id, b"telegram-layer-secret")
        reply = None
        for text in messages:
            awaiting = reply.awaiting if reply else None
            reply = await assistant.reply(Query(text=text, user=user, awaiting=awaiting))
            count_reply(store, reply)
            log_reply(store, text, reply, content.version, ranked=ranked_of(reply))
            for kind in ("wijk:", "remember:"):  # pick a wijk if asked, then say "remember"
                button = next((b for b in reply.buttons if b.payload.startswith(kind)), None)
                if button:
                    reply = await assistant.reply(Query(action=button.payload, user=user))
                    count_reply(store, reply)
    assert memory.recall(pseudonym(781234567, b"telegram-layer-secret")) is not None
    assert len(store.messages("2000-01-01")) >= 4
    database.close()

    files = [p for p in data.rglob("*") if p.is_file()]
    assert files
    blob = b"".join(p.read_bytes() for p in files)
    for needle in secret_strings:
        assert needle.encode() not in blob, needle
    for user_id in residents:
        assert str(user_id).encode() not in blob
        assert pseudonym(user_id, b"telegram-layer-secret").encode() not in blob


def test_stats_text_numbers_only(
    store: SqliteLearningStore, content: Content, clock: Clock
) -> None:
    sure = Reply(body="", footer="", decision="sure", intent="fietsdiefstal")
    lost = Reply(body="", footer="", decision="not_understood")
    alarm = Reply(body="", footer="", decision="sure", intent="spoed_112", alarm_text="!")
    clock.day = TODAY - dt.timedelta(days=3)
    for reply in (sure, lost, lost):
        count_reply(store, reply)
    clock.day = TODAY
    for reply in (sure, sure, sure, alarm):
        count_reply(store, reply)
    log_feedback(store, "fietsdiefstal", True)
    log_feedback(store, "fietsdiefstal", False)

    text = stats_text(store, content, "nl")

    today, week = text.split("\n")
    assert "4 antwoorden" in today and "100%" in today and "1× alarm" in today
    assert "👍 1" in today and "👎 1" in today
    assert "7 antwoorden" in week and "71%" in week and "2 niet begrepen" in week
    assert "Today: 4 replies" in stats_text(store, content, "en")
