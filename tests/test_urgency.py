"""The safety lines: 112 first for danger now, never for what is over; Bel M for anonymous tips.

Every rule in content/urgentie.yaml carries the messages it must catch (`test:`); they all run here,
next to the examples the issue names and the look-alikes that must stay calm.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.load import load_content
from bot.content.model import Content, ContentErrors
from bot.core.assistant import Assistant
from bot.core.messages import Query
from bot.core.text import Normaliser
from bot.core.urgency import UrgencyDetector
from tests.conftest import CONTENT_DIR

SHIPPED = load_content(CONTENT_DIR)

ACUTE = [
    "er staat iemand met een mes voor mijn deur",
    "my neighbour's house is on fire",
    "help er ligt een man bewusteloos op straat",
    "inbrekers in de tuin nu",
    "mijn man slaat me nu",
    "Er wordt nu ingebroken bij de buren!",
    "er word nu ingebroken!!",
    "ER IS BRAND IN DE FLAT",
    "brnad in de schuur!!",
    "iemand is bewustelos",  # a typo in a long word
    "someone is breaking into my car right now",
    "mijn dochter van 4 is weg, we waren in de stad en ik kan haar nergens vinden",
    "help!! there's a fight with knives outside the bar",
]

CALM = [
    "vorige maand is mijn fiets gestolen",
    "gisteren ingebroken, daders zijn weg",
    "wanneer bel ik 112?",
    "mijn telefoon is gestolen",  # gestolen (stolen) is not gestoken (stabbed)
    "ingebroken wat nu",  # "wat nu" is "what now", not "now"
    "ik ben vorige week aangereden, wat moet ik doen",
    "I got robbed last night, I'm ok now",
    "mijn vriend slaat me soms, ik weet niet wat ik moet doen",
    "ik heb een aangereden kat gevonden",
    "hoe werkt reanimeren eigenlijk?",
    "in gta heb ik net een bank overvallen lol",
    "wat als ik per ongeluk 112 heb gebeld",
]


def _rules(*, model: bool) -> UrgencyDetector:
    normaliser = Normaliser.from_content(SHIPPED.language)
    return UrgencyDetector.build(SHIPPED.urgency, normaliser, model=model)


@pytest.fixture(scope="module")
def detector() -> UrgencyDetector:
    """The rules alone, as when the model cannot load."""
    return _rules(model=False)


@pytest.mark.parametrize(
    ("rule_id", "message"),
    [(rule.id, message) for rule in SHIPPED.urgency.regels for message in rule.test],
)
def test_every_rule_catches_its_own_examples(
    detector: UrgencyDetector, rule_id: str, message: str
) -> None:
    urgency = detector.detect(message)
    assert rule_id in urgency.rules or (rule_id == "misdrijf" and urgency.crime), (
        f"{message!r} did not fire {rule_id}"
    )
    kind = next(r.soort for r in SHIPPED.urgency.regels if r.id == rule_id)
    if kind in ("acuut", "acuut_als_nu") and rule_id not in ("bedreiging_nu",):
        assert urgency.alarm, message


def test_every_rule_has_examples() -> None:
    assert all(rule.test for rule in SHIPPED.urgency.regels)


@pytest.mark.parametrize("message", ACUTE)
async def test_danger_now_opens_with_112(assistant: Assistant, message: str) -> None:
    reply = await assistant.reply(Query(text=message))
    assert reply.alarm
    assert reply.lines[0] == "112"
    first_line = reply.text.splitlines()[0]
    assert "112" in first_line


@pytest.mark.parametrize("message", CALM)
async def test_no_alarm_for_what_is_over_or_a_question(assistant: Assistant, message: str) -> None:
    reply = await assistant.reply(Query(text=message))
    assert not reply.alarm, reply.rules
    # 112 is never hidden: it stays in the footer.
    assert "112" in reply.lines and "0900-8844" in reply.lines
    assert "112" in reply.footer


@pytest.mark.parametrize(
    "message",
    [
        "ik wil anoniem iets melden over drugshandel",
        "kan ik een tip geven zonder mijn naam",
        "I know who is dealing but I don't want my name involved",
        "ik weet wie het gedaan heeft maar ben bang voor wraak",
    ],
)
async def test_anonymous_tip_shows_bel_m(assistant: Assistant, message: str) -> None:
    reply = await assistant.reply(Query(text=message))
    assert "0800-7000" in reply.lines
    assert not reply.alarm


@pytest.mark.parametrize(
    "message",
    [
        # Danger now: an anonymous tip still leads with 112.
        "er staat nu iemand met een pistool bij het pand, ik wil anoniem blijven",
        # No "now" word, but someone is being hurt: wanting to stay unknown changes nothing.
        "mijn buurman slaat zijn vrouw, ik wil niet dat hij weet dat ik het was",
        "er ligt iemand bewusteloos in het portiek, ik wil er niet bij betrokken raken",
        "my roommate is hitting his girlfriend and I don't want him to know I called",
    ],
)
async def test_anonymous_tip_about_danger_still_leads_with_112(
    assistant: Assistant, message: str
) -> None:
    reply = await assistant.reply(Query(text=message))
    assert reply.alarm and reply.lines[0] == "112", reply.rules
    assert "0800-7000" in reply.lines


async def test_anonymity_calms_a_tip_about_weapons_or_fire_risk(assistant: Assistant) -> None:
    # A tip about what is somewhere (the rules in anoniem_kalmeert) is not an emergency.
    for text in (
        "mijn neef heeft wapens in de schuur, ik wil het melden maar hij mag het nooit weten",
        "de buurman kweekt wiet en ik ben bang voor brand, kan ik dat melden zonder mijn naam",
    ):
        reply = await assistant.reply(Query(text=text))
        assert not reply.alarm and "0800-7000" in reply.lines, (text, reply.rules)


def test_pattern_language(content: Content) -> None:
    """`+` needs every part, `|` one alternative, `*` a prefix, `^` the start of the message."""
    rules = content.urgency.model_copy(
        update={
            "regels": [
                content.urgency.regels[0].model_copy(
                    update={"id": "proef", "woorden": ["slaat|slaan + vrouw|kind", "verkracht*"]}
                )
            ]
        }
    )
    detector = UrgencyDetector.build(rules, Normaliser.from_content(content.language))
    assert "proef" in detector.detect("twee mannen slaan een kind").rules
    assert "proef" in detector.detect("er wordt iemand verkrachting").rules
    assert "proef" not in detector.detect("de vrouw slaapt").rules
    assert "proef" not in detector.detect("hij slaat de bal").rules


@pytest.fixture(scope="module")
def beside_the_model() -> UrgencyDetector:
    """The rules as they run while the multilingual model decides beside them."""
    return _rules(model=True)


@pytest.mark.parametrize(
    ("rule_id", "message"),
    [(r.id, m) for r in SHIPPED.urgency.regels if r.met_model for m in r.test],
)
def test_a_rule_relaxed_beside_the_model_still_catches_its_examples(
    beside_the_model: UrgencyDetector, rule_id: str, message: str
) -> None:
    urgency = beside_the_model.detect(message)
    assert rule_id in urgency.rules and urgency.alarm, message


@pytest.mark.parametrize(
    "message",
    ["ik zoek een nieuw mes voor de keuken", "we vonden een oud geweer op zolder van opa",
     "waar koop ik een goede co melder", "ik heb een ongeluk gehad met mijn koffie"],
)  # fmt: skip
def test_a_danger_word_alone_waits_for_the_model_but_not_in_the_fallback(
    detector: UrgencyDetector, beside_the_model: UrgencyDetector, message: str
) -> None:
    """Beside the model a weapon, fire or crash word alone needs a now-word (the model judges
    the rest); when the model cannot load, the rules alone keep raising the alarm."""
    assert not beside_the_model.detect(message).alarm, message
    assert detector.detect(message).alarm, message


def test_only_an_acute_rule_can_be_relaxed(content_copy: Path) -> None:
    path = content_copy / "urgentie.yaml"
    text = path.read_text(encoding="utf-8")
    rule = "  - id: anoniem\n    soort: anoniem\n"
    path.write_text(text.replace(rule, rule + "    met_model: acuut_als_nu\n"), encoding="utf-8")
    with pytest.raises(ContentErrors, match="met_model only relaxes an acuut rule"):
        load_content(content_copy)


@pytest.mark.parametrize("message", ["ik rook niet meer", "rook je?", "vuur nodig?"])
def test_a_short_message_about_smoking_is_not_a_fire(
    detector: UrgencyDetector, beside_the_model: UrgencyDetector, message: str
) -> None:
    """ "BRAND!!" alone is the alarm; "rook" and "vuur" alone are as often a smoker."""
    assert not detector.detect(message).alarm, message
    assert not beside_the_model.detect(message).alarm, message
