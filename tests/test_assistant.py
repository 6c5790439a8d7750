"""The transport-free core: what every reply must carry, the alarm, odd input, buttons, the
wijkagent dialogue, and the promise that nothing in the core needs Telegram.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.messages import Query, Reply

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [
    "hallo",
    "mijn fiets is gestolen",
    "Er wordt nu ingebroken bij de buren!",
    "ik wil anoniem iets melden over drugshandel",
    "wie is de wijkagent in 7419",
    "wie is mijn wijkagent",
    "wat wordt het weer morgen",
    "my bike was stolen",
    "",
    "🚓🚓🙈",
]


def dev_texts() -> list[str]:
    items = yaml.safe_load((ROOT / "tests/data/dev_set.yaml").read_text(encoding="utf-8"))
    return [item["text"] for item in items]


def assert_safety_lines(reply: Reply) -> None:
    assert "112" in reply.footer and "0900-8844" in reply.footer
    assert reply.text.endswith(reply.footer)
    assert "112" in reply.lines and "0900-8844" in reply.lines


# -- every reply ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", SAMPLES)
async def test_every_reply_has_the_safety_footer(assistant: Assistant, text: str) -> None:
    assert_safety_lines(await assistant.reply(Query(text=text)))


async def test_every_reply_on_the_dev_set_has_the_safety_footer(assistant: Assistant) -> None:
    missing = []
    for text in dev_texts():
        reply = await assistant.reply(Query(text=text))
        if not ({"112", "0900-8844"} <= set(reply.lines) and reply.text.endswith(reply.footer)):
            missing.append(text)
    assert not missing, missing


async def test_english_reply_has_an_english_footer(assistant: Assistant, content: Content) -> None:
    reply = await assistant.reply(Query(text="my bike was stolen"))
    assert reply.language == "en"
    assert reply.footer == content.text("footer", "en", spoed="112", geen_spoed="0900-8844")
    assert_safety_lines(reply)


# -- the alarm -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Er wordt nu ingebroken bij de buren!", "help er is iemand in mijn huis met een mes"],
)
async def test_danger_now_opens_with_the_112_alarm(assistant: Assistant, text: str) -> None:
    reply = await assistant.reply(Query(text=text))
    assert reply.alarm
    assert "112" in reply.text.splitlines()[0]
    assert reply.text.startswith(reply.alarm_text or "")
    assert reply.lines[0] == "112"
    assert_safety_lines(reply)


@pytest.mark.parametrize("text", ["wanneer bel ik 112?", "when should I call 112"])
async def test_a_question_about_112_is_not_an_alarm(assistant: Assistant, text: str) -> None:
    reply = await assistant.reply(Query(text=text))
    assert not reply.alarm
    assert reply.intent == "spoed_112"


async def test_anonymous_report_shows_bel_m(assistant: Assistant) -> None:
    reply = await assistant.reply(Query(text="ik wil anoniem iets melden over drugshandel"))
    assert "0800-7000" in reply.lines
    assert "0800-7000" in reply.text
    assert not reply.alarm


# -- odd input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
async def test_empty_text_asks_for_a_question(
    assistant: Assistant, content: Content, text: str
) -> None:
    reply = await assistant.reply(Query(text=text))
    assert reply.body == content.text("leeg")
    assert_safety_lines(reply)


async def test_very_long_text_is_answered(assistant: Assistant, content: Content) -> None:
    text = (
        "Mijn fiets is gisteren gestolen bij het station en ik weet niet wat ik moet doen. " * 50
    )[:4000]
    assert len(text) == 4000
    reply = await assistant.reply(Query(text=text))
    assert content.text("te_lang") in reply.body
    assert_safety_lines(reply)


@pytest.mark.parametrize(
    "text",
    [
        "🚓🚓🙈",
        "👮",
        "<b>x</b>",
        "<script>alert(1)</script> fiets gestolen",
        "*vet* _schuin_ [link](https://example.org) `code` ~~weg~~",
        "\u200b\u200b",
        "1234567890" * 10,
    ],
)
async def test_odd_text_does_not_crash(assistant: Assistant, text: str) -> None:
    reply = await assistant.reply(Query(text=text))
    assert reply.body
    assert_safety_lines(reply)


# -- buttons -------------------------------------------------------------------------------------


async def test_ambiguous_replies_offer_at_most_three_topics_and_something_else(
    assistant: Assistant, content: Content
) -> None:
    ambiguous = [
        reply
        for reply in [await assistant.reply(Query(text=t)) for t in dev_texts()]
        if reply.decision == "ambiguous" and not reply.alarm
    ]
    assert ambiguous, "the dev set should contain at least one ambiguous message"
    for reply in ambiguous:
        *topics, other = reply.buttons
        assert 1 <= len(topics) <= 3
        assert all(b.payload.startswith("faq:") for b in topics)
        assert other.label == content.text("iets_anders", reply.language)
        assert other.payload == "other"


async def test_an_unclear_emergency_gets_the_alarm_without_distractions(
    assistant: Assistant,
) -> None:
    """Danger now but no clear topic: 112 and what to do now, no "bedoelt u…?" in between."""
    reply = await assistant.reply(Query(text="HELP er ligt iemand in het water"))
    assert reply.alarm and reply.lines[0] == "112"
    assert reply.decision in ("ambiguous", "not_understood")
    assert reply.body == assistant.content.dangers["medisch"].wat_nu["nl"]
    assert reply.buttons == ()
    assert reply.text.splitlines()[0] == reply.alarm_text


async def test_every_offered_button_fits_telegram_and_still_works(content: Content) -> None:
    """Collects every button a resident can see and presses it: no payload over 64 bytes,
    none that answers "this button has expired"."""
    assistant = Assistant(content)
    queries = [Query(text=t, user="u1") for t in [*dev_texts(), "wie is mijn wijkagent", "7419"]]
    queries += [Query(action=f"faq:{e.id}", user="u1") for e in content.faq]
    payloads: set[str] = set()
    for query in queries:
        reply = await assistant.reply(query)
        payloads.update(b.payload for b in reply.buttons)
    assert {"other", "remember_no"} <= payloads
    assert any(p.startswith("wijk:") for p in payloads)
    assert any(p.startswith("remember:") for p in payloads)
    expired = content.text("verlopen_knop")
    for payload in sorted(payloads):
        assert len(payload.encode("utf-8")) <= 64, payload
        reply = await assistant.reply(Query(action=payload, user="u2"))
        assert reply.body != expired, payload
        assert_safety_lines(reply)


@pytest.mark.parametrize(
    "action", ["faq:bestaat_niet", "onbekend:1", "wijk:WK999999", "remember:BU99999999", ""]
)
async def test_a_stale_button_says_it_expired(
    assistant: Assistant, content: Content, action: str
) -> None:
    reply = await assistant.reply(Query(action=action or "x", user="u1"))
    assert reply.body == content.text("verlopen_knop")
    assert_safety_lines(reply)


async def test_the_something_else_button_invites_a_new_question(
    assistant: Assistant, content: Content
) -> None:
    reply = await assistant.reply(Query(action="other"))
    assert reply.body == content.text("iets_anders_antwoord", geen_spoed="0900-8844")


# -- the wijkagent dialogue ----------------------------------------------------------------------


async def test_wijkagent_dialogue_asks_for_a_place_then_answers(content: Content) -> None:
    assistant = Assistant(content)
    first = await assistant.reply(Query(text="wie is mijn wijkagent"))
    assert first.intent == "wijkagent_wie"
    assert first.awaiting == "plaats"
    assert first.body == content.text("wijkagent_vraag_plaats")

    second = await assistant.reply(Query(text="7419", awaiting=first.awaiting))
    assert (second.wijk, second.intent, second.awaiting) == ("WK015002", "wijkagent_wie", None)
    assert "De Hoven" in second.body

    by_name = await assistant.reply(Query(text="Tuindorp", awaiting="plaats"))
    assert by_name.wijk == "WK015006"


async def test_an_unknown_place_asks_again(content: Content) -> None:
    assistant = Assistant(content)
    reply = await assistant.reply(Query(text="qwertyuiop", awaiting="plaats"))
    assert reply.body == content.text("plaats_niet_gevonden")
    assert reply.awaiting == "plaats"
    assert reply.wijk is None


async def test_a_place_in_several_wijken_offers_a_choice(content: Content) -> None:
    assistant = Assistant(content)
    reply = await assistant.reply(Query(text="wie is de wijkagent in Colmschate"))
    assert reply.awaiting == "plaats"
    codes = [b.payload.removeprefix("wijk:") for b in reply.buttons]
    assert len(codes) >= 2 and all(c.startswith("WK0150") for c in codes)
    chosen = await assistant.reply(Query(action=reply.buttons[0].payload))
    assert chosen.wijk == codes[0]


async def test_a_remembered_wijk_is_used_next_time_and_can_be_forgotten(content: Content) -> None:
    assistant = Assistant(content)
    answer = await assistant.reply(Query(text="wie is de wijkagent in 7419", user="u1"))
    remember = next(b for b in answer.buttons if b.payload.startswith("remember:"))
    await assistant.reply(Query(action=remember.payload, user="u1"))

    again = await assistant.reply(Query(text="wie is mijn wijkagent", user="u1"))
    assert again.wijk == "WK015002" and again.awaiting is None
    other_user = await assistant.reply(Query(text="wie is mijn wijkagent", user="u2"))
    assert other_user.awaiting == "plaats"

    await assistant.reply(Query(action="vergeet", user="u1"))
    forgotten = await assistant.reply(Query(text="wie is mijn wijkagent", user="u1"))
    assert forgotten.awaiting == "plaats" and forgotten.wijk is None


# -- architecture --------------------------------------------------------------------------------
