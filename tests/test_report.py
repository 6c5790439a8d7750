"""`wijkbot report` on a database filled by the test: groups, suggestions, and a parseable page."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.messages import Query, Reply
from bot.operators.learning import (
    SqliteLearningStore,
    count_reply,
    log_feedback,
    log_reply,
    ranked_of,
)
from bot.operators.report import build_report, format_html, format_text
from bot.storage import DATABASE_FILE, Database

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date.today()  # the CLI reads the real clock; rows are written for today

NOT_UNDERSTOOD = Reply(body="", footer="", decision="not_understood")
FIETS_GROUP = [
    "mijn stalen ros is foetsie",
    "mijn stalen ros is foetsie",
    "m'n stalen ros is foetsie, wat nu",
    "stalen ros foetsie bij het station, bel 06-12345678",
]
KERMIS_GROUP = [
    "wanneer is de kermis",
    "kermis deventer wanneer",
    "wanneer is de kermis in deventer",
]
ANSWERED = [
    "mijn fiets is gestolen",
    "er wordt nu ingebroken bij de buren!",
    "wie is mijn wijkagent",
]


def _fill(store: SqliteLearningStore, assistant: Assistant, content: Content) -> None:
    """Unanswered texts logged as the bot logs them, plus real replies counted."""
    for text in FIETS_GROUP + KERMIS_GROUP:
        ranked = ranked_of(asyncio.run(assistant.reply(Query(text=text))))
        log_reply(store, text, NOT_UNDERSTOOD, content.version, ranked=ranked)
        count_reply(store, NOT_UNDERSTOOD)
    for text in ANSWERED:
        count_reply(store, asyncio.run(assistant.reply(Query(text=text))))
    log_feedback(store, "fietsdiefstal", True)
    log_feedback(store, "fietsdiefstal", False, query_text="fiets kwijt", content_version="v")


@pytest.fixture
def filled(tmp_path: Path, assistant: Assistant, content: Content) -> SqliteLearningStore:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    store = SqliteLearningStore(Database(data / DATABASE_FILE), today=lambda: TODAY)
    _fill(store, assistant, content)
    return store


def test_report_groups_similar_messages_and_suggests_the_closest_entry(
    filled: SqliteLearningStore, assistant: Assistant
) -> None:
    report = build_report(filled, assistant, days=7)

    by_text = {text: group for group in report.groups for text in group.texts}
    fiets = by_text["mijn stalen ros is foetsie"]
    assert fiets.size == 4
    assert set(fiets.texts) == {
        "mijn stalen ros is foetsie",
        "m'n stalen ros is foetsie, wat nu",
        "stalen ros foetsie bij het station, bel [telefoon]",
    }
    assert fiets.examples[0] == "mijn stalen ros is foetsie"  # the most frequent first
    assert fiets.closest == "fietsdiefstal"
    assert fiets.suggestion == "add as phrasing to fietsdiefstal?"
    kermis = by_text["wanneer is de kermis"]
    assert kermis.size == 3 and kermis is not fiets
    assert kermis.closest is None or assistant.content.entry(kermis.closest) is not None
    assert report.groups[0] is fiets  # biggest group first
    assert "fiets kwijt" in by_text  # the 👎 question is in the log too


def test_report_numbers(filled: SqliteLearningStore, assistant: Assistant) -> None:
    report = build_report(filled, assistant, days=7)
    t = report.totals
    assert t.messages == len(FIETS_GROUP) + len(KERMIS_GROUP) + len(ANSWERED)
    assert t.not_understood >= len(FIETS_GROUP) + len(KERMIS_GROUP)
    assert t.alarms >= 1  # "er wordt nu ingebroken" raises the 112 alarm
    rows = {r.intent: r for r in report.intents}
    assert rows["fietsdiefstal"].useful == 1 and rows["fietsdiefstal"].not_useful == 1
    assert rows[""].not_understood == len(FIETS_GROUP) + len(KERMIS_GROUP)
    text = format_text(report)
    assert "add as phrasing to fietsdiefstal?" in text
    assert '"mijn stalen ros is foetsie"' in text
    assert "06-12345678" not in text


class _Page(HTMLParser):
    """Collects what a reader (or a browser) would load and see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.cells: list[str] = []
        self.bars = 0
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.external.append(value)
        if tag == "link" or tag == "script":
            self.external.append(tag)
        if tag == "rect":
            self.bars += 1
        self._in_cell = tag in ("td", "li")

    def handle_endtag(self, tag: str) -> None:
        self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell and data.strip():
            self.cells.append(data.strip())


def test_html_page_is_self_contained_and_holds_the_tables(
    filled: SqliteLearningStore, assistant: Assistant
) -> None:
    report = build_report(filled, assistant, days=7)
    page = _Page()
    page.feed(format_html(report))
    page.close()

    assert page.external == []
    assert page.tags.count("table") == 3 and "svg" in page.tags
    assert page.bars == len([r for r in report.intents if r.replies])
    assert "mijn stalen ros is foetsie" in page.cells
    assert "add as phrasing to fietsdiefstal?" in page.cells
    assert "fietsdiefstal" in page.cells


def test_html_escapes_what_residents_typed(tmp_path: Path, assistant: Assistant) -> None:
    store = SqliteLearningStore(Database(tmp_path / DATABASE_FILE), today=lambda: TODAY)
    log_reply(store, "<script>alert(1)</script> kermis?", NOT_UNDERSTOOD, "v")
    page = format_html(build_report(store, assistant, days=1))
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_cli_report_writes_text_and_html(
    tmp_path: Path, assistant: Assistant, content: Content
) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIJKBOT_")}
    env.update(WIJKBOT_DATA_DIR=str(data), WIJKBOT_OFFLINE="1")
    store = SqliteLearningStore(
        Database(data / DATABASE_FILE, prepare=lambda: data.mkdir(mode=0o700, exist_ok=True)),
        today=lambda: TODAY,
    )
    _fill(store, assistant, content)
    store.database.close()
    out = tmp_path / "report.html"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--content",
            str(ROOT / "content"),
            "report",
            "--days",
            "3",
            "--html",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "add as phrasing to fietsdiefstal?" in result.stdout
    assert "4×" in result.stdout
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert "mijn stalen ros is foetsie" in page.cells and page.external == []


def test_with_the_semantic_layer_messages_are_grouped_by_meaning(shipped: Assistant) -> None:
    """Different words, one question for the communications team; a shared place name is not."""
    from bot.operators.learning import LearnedMessage
    from bot.operators.report import group_messages

    texts = [
        "hoe laat is het bureau open",
        "openingstijden politie deventer",
        "kermis deventer",
        "weer deventer",
    ]
    messages = [LearnedMessage("2026-12-01", "not_understood", t, (), "v") for t in texts]
    groups = {tuple(sorted(g.texts)) for g in group_messages(messages, shipped)}
    assert ("hoe laat is het bureau open", "openingstijden politie deventer") in groups
    assert not any({"kermis deventer", "weer deventer"} <= set(g) for g in groups)
    plain = {tuple(sorted(g.texts)) for g in group_messages(messages, Assistant(shipped.content))}
    assert ("hoe laat is het bureau open", "openingstijden politie deventer") not in plain
