"""Live reload: bad content is refused with file and line; the old content keeps answering."""

from __future__ import annotations

from pathlib import Path

from bot.content.load import load_content
from bot.core.assistant import Assistant
from bot.core.memory import InMemoryWijkMemory
from bot.core.messages import Query
from bot.operators.reload import LiveAssistant, load_assistant, reload_text

QUESTION = Query(text="mijn fiets is gestolen")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


async def test_broken_yaml_keeps_the_old_content_answering(content_copy: Path) -> None:
    live = LiveAssistant(load_assistant(content_copy).assistant, content_copy)
    old = live.current
    before = await old.reply(QUESTION)
    assert before.intent == "fietsdiefstal"

    faq = content_copy / "faq.yaml"
    _replace(faq, "      - fiets gestolen\n", "      - fiets gestolen\n     bad: [unclosed\n")
    result = live.reload()

    assert not result.ok
    assert live.current is old
    after = await live.current.reply(QUESTION)
    assert after.intent == "fietsdiefstal" and after.text == before.text
    [line] = result.error_lines()
    assert line.startswith("faq.yaml:")
    reported = int(line.split(":")[1].split()[0])
    assert abs(reported - _line_of(faq, "bad: [unclosed")) <= 1


async def test_invalid_reference_names_file_line_and_field(content_copy: Path) -> None:
    live = LiveAssistant(load_assistant(content_copy).assistant, content_copy)
    old = live.current
    faq = content_copy / "faq.yaml"
    _replace(faq, "    lijnen: [geen_spoed]\n", "    lijnen: [geen_spoedd]\n")

    result = live.reload()

    assert not result.ok and live.current is old
    expected_line = _line_of(faq, "geen_spoedd")
    assert any(
        e.startswith(f"faq.yaml:{expected_line} ") and "geen_spoedd" in e
        for e in result.error_lines()
    ), result.error_lines()
    message = reload_text(result, live.current, "nl")
    assert f"faq.yaml:{expected_line}" in message
    assert old.content.version in message


async def test_unregistered_phone_number_is_refused(content_copy: Path) -> None:
    live = LiveAssistant(load_assistant(content_copy).assistant, content_copy)
    _replace(content_copy / "faq.yaml", "Bellen kan via 0900-8844", "Bellen kan via 0570-123456")
    result = live.reload()
    assert not result.ok
    assert any("0570-123456" in e and e.startswith("faq.yaml:") for e in result.error_lines())


async def test_valid_change_goes_live_and_keeps_memory(content_copy: Path) -> None:
    memory = InMemoryWijkMemory()
    first = Assistant(load_content(content_copy), memory=memory)
    live = LiveAssistant(first, content_copy)
    faq = content_copy / "faq.yaml"
    _replace(faq, 'versie: "', 'versie: "herladen-')
    _replace(faq, "      - fiets gestolen\n", "      - mijn stalen ros is foetsie\n")

    result = live.reload()

    assert result.ok and live.current is result.assistant and live.current is not first
    assert live.current.memory is memory
    assert live.current.content.version.startswith("herladen-")
    reply = await live.current.reply(Query(text="mijn stalen ros is foetsie"))
    assert reply.intent == "fietsdiefstal"
    assert "herladen-" in reload_text(result, live.current, "en")


def test_missing_file_is_an_error_not_a_crash(content_copy: Path) -> None:
    (content_copy / "lijnen.yaml").unlink()
    result = load_assistant(content_copy)
    assert not result.ok
    assert any(e.startswith("lijnen.yaml") for e in result.error_lines())


def test_many_errors_are_capped_for_a_chat_message(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    faq.write_text(
        faq.read_text(encoding="utf-8").replace("lijnen: [geen_spoed]", "lijnen: [nee]"),
        encoding="utf-8",
    )
    result = load_assistant(content_copy)
    lines = result.error_lines(limit=2)
    assert len(lines) == 3 and lines[-1].startswith("… +")


async def test_a_typo_in_the_alarm_text_is_refused_and_the_alarm_keeps_working(
    content_copy: Path,
) -> None:
    """{spoed} -> {spoedd} used to pass the check and turn every alarm into a KeyError."""
    live = LiveAssistant(load_assistant(content_copy).assistant, content_copy)
    old = live.current
    emergency = Query(text="er wordt nu ingebroken bij de buren!")
    before = await old.reply(emergency)
    assert before.alarm and before.lines[0] == "112"

    texts = content_copy / "teksten.yaml"
    _replace(texts, "Bel direct {spoed}.", "Bel direct {spoedd}.")
    result = live.reload()

    assert not result.ok and live.current is old
    [line] = result.error_lines()
    assert line.startswith(f"teksten.yaml:{_line_of(texts, '{spoedd}')} [teksten.alarm.nl]")
    assert "{spoedd}" in line
    after = await live.current.reply(emergency)
    assert after.alarm and after.text == before.text
