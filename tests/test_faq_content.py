"""Acceptance for the FAQ (issue 4): complete, sourced, every number registered, and every entry
recognised from its own example phrasings in Dutch and in English.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.load import load_content
from bot.content.model import Content, FaqEntry
from bot.core.assistant import Assistant

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
SHIPPED = load_content(CONTENT_DIR)  # collection needs the entry ids; loading also validates

REQUIRED_IDS = (
    "wijkagent_wie",
    "wijkagent_taken",
    "wijkteam_deventer",
    "spoed_112",
    "geen_spoed",
    "anoniem_melden",
    "aangifte_doen",
    "verdachte_situatie",
    "inbraak",
    "fietsdiefstal",
    "verloren_gevonden",
    "burenruzie",
    "geluidsoverlast",
    "overlast",
    "jeugdoverlast",
    "drugsoverlast",
    "ondermijning",
    "verkeersoverlast",
    "vuurwerk",
    "online_oplichting",
    "huiselijk_geweld",
    "stalking",
    "slachtofferhulp",
    "dieren",
    "vermissing",
    "verward_persoon",
    "politiebureau",
    "klacht_politie",
    "sociaal_wijkteam",
    "privacy",
    "over_bot",
    "groet",
    "bedankt",
)
# Lines an entry about a topic must show: the number is the point of the answer.
REQUIRED_LINES = {
    "spoed_112": "spoed",
    "geen_spoed": "geen_spoed",
    "anoniem_melden": "bel_m",
    "drugsoverlast": "bel_m",
    "huiselijk_geweld": "veilig_thuis",
    "slachtofferhulp": "slachtofferhulp",
    "dieren": "red_een_dier",
    "online_oplichting": "fraudehelpdesk",
}

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:nl|com|org|eu|net)(?:/\S*)?", re.I)
# Phone-like numbers in prose: 0-prefixed with 7 to 11 digits ("0900-8844", "06-12345678",
# "088-786 73 72"), three-digit short numbers (112, 144) and municipal "14 0570" numbers.
_LONG = re.compile(r"(?<![\w.,/-])0\d{1,3}(?:[ -]?\d{2,4}){1,3}(?![\w/-]|[.,]\d)")
_SHORT = re.compile(r"(?<![\w.,/:-])1\d{2}(?![\w/:-]|[.,]\d)")
_MUNICIPAL = re.compile(r"(?<![\w.,/-])14 ?0\d{2,3}(?![\w/-]|[.,]\d)")
_DATE = re.compile(r"\d{2}-\d{2}-\d{4}")


def numbers_in(text: str) -> list[str]:
    text = _URL.sub(" ", text)
    found = [m.group() for m in _MUNICIPAL.finditer(text)]
    text = _MUNICIPAL.sub(" ", text)
    for match in _LONG.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 7 <= len(digits) <= 11 and not _DATE.fullmatch(match.group()):
            found.append(match.group())
    found += [m.group() for m in _SHORT.finditer(_LONG.sub(" ", text))]
    return found


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def unsourced(sources: list[str]) -> list[str]:
    """Sources that are neither a web address nor a file in this repository (about the bot)."""
    return [
        s for s in sources if not s.startswith(("https://", "http://")) and not (ROOT / s).is_file()
    ]


# -- completeness --------------------------------------------------------------------------------


def test_every_required_entry_exists(content: Content) -> None:
    missing = [i for i in REQUIRED_IDS if content.entry(i) is None]
    assert not missing, f"missing FAQ entries: {missing}"


@pytest.mark.parametrize("entry_id", [e.id for e in SHIPPED.faq])
def test_entry_is_complete_and_sourced(content: Content, entry_id: str) -> None:
    entry = content.entry(entry_id)
    assert entry is not None
    assert len(entry.vragen) >= 8, f"{entry_id}: {len(entry.vragen)} Dutch phrasings, need 8"
    assert len(set(entry.vragen)) == len(entry.vragen), f"{entry_id}: a phrasing is repeated"
    assert entry.en is not None, f"{entry_id}: no English block"
    assert entry.en.vragen and entry.en.antwoord
    assert entry.bron, f"{entry_id}: no bron"
    assert not unsourced(entry.bron), f"{entry_id}: bron points nowhere: {unsourced(entry.bron)}"
    assert 1 <= len(entry.zie_ook) <= 3, f"{entry_id}: zie_ook should link 1-3 entries"
    assert len(entry.antwoord) <= 600, f"{entry_id}: Dutch answer is {len(entry.antwoord)} chars"
    assert len(entry.en.antwoord) <= 700, f"{entry_id}: English answer is too long"


@pytest.mark.parametrize(("entry_id", "line_id"), sorted(REQUIRED_LINES.items()))
def test_topic_entries_show_their_line(content: Content, entry_id: str, line_id: str) -> None:
    entry = content.entry(entry_id)
    assert entry is not None and line_id in entry.lijnen
    assert content.lines[line_id].nummer in entry.antwoord


# -- numbers -------------------------------------------------------------------------------------


def test_number_finder_catches_what_it_must() -> None:
    """The scanner below is only as good as this: it finds invented numbers, skips URLs/dates."""
    text = (
        "Bel 06-12345678, 020-5551234, 0800-1234, 14 0570 of 113. Zie "
        "https://www.politie.nl/nieuws/2021/08-als-elke-seconde-telt.html, www.x.nl/0800-99, "
        "sinds 01-01-2021 om 10.30 uur, 7415 AB, 52.2515, 120 euro? Nee: 1,50."
    )
    assert numbers_in(text) == ["14 0570", "06-12345678", "020-5551234", "0800-1234", "113", "120"]


def test_every_line_has_a_source(content: Content) -> None:
    for line in content.lines.values():
        assert line.bron and not unsourced(line.bron), line.id


def test_every_number_in_the_content_is_registered(content: Content) -> None:
    """Scans every YAML file as text, so a number in any field (or a new file) is caught."""
    registered = {d for line in content.lines.values() for d in line.all_digits}
    strays = []
    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        # lijnen.yaml is the registry; the example messages are residents' words, never shown
        if path.name in ("lijnen.yaml", "veiligheid_voorbeelden.yaml", "faq_voorbeelden.yaml"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            strays += [
                f"{path.name}:{n}: {x}" for x in numbers_in(line) if digits(x) not in registered
            ]
    assert not strays, "numbers not in lijnen.yaml:\n" + "\n".join(strays)


def test_registered_numbers_are_spelled_as_in_the_registry(content: Content) -> None:
    """'0900 8844' and '0900-8844' are the same line; residents should see one spelling."""
    spelled = {line.digits: line.nummer for line in content.lines.values()}
    odd = []
    for entry in content.faq:
        for answer in (entry.antwoord, entry.en.antwoord if entry.en else ""):
            odd += [
                f"{entry.id}: {x}"
                for x in numbers_in(answer)
                if digits(x) in spelled and x != spelled[digits(x)]
            ]
    assert not odd, odd


# -- each entry recognises its own phrasings -----------------------------------------------------


@pytest.fixture(scope="module")
def plain_assistant(shipped: Assistant) -> Assistant:
    """As shipped (words and meaning): a phrasing in Arabic or Cyrillic has no words to match."""
    return shipped


def _misread(assistant: Assistant, entry: FaqEntry, phrasings: list[str]) -> list[str]:
    """Phrasings not answered with entry, nor flagged ambiguous between it and a zie_ook entry."""
    wrong = []
    for text in phrasings:
        vector = assistant.semantic.vector(text) if assistant.semantic else None
        foreign = assistant.languages.guess(text) is not None
        norm = assistant.normaliser.normalise(text)
        match = assistant.matcher.match(norm, vector=vector, foreign=foreign)
        ids = [c.entry_id for c in match.candidates]
        sure = match.decision == "sure" and ids[:1] == [entry.id]
        torn = (
            match.decision == "ambiguous"
            and entry.id in ids
            and bool(set(ids) & set(entry.zie_ook))
        )
        if not (sure or torn):
            wrong.append(f"{text!r} -> {match.decision} {ids}")
    return wrong


@pytest.mark.parametrize("entry_id", [e.id for e in SHIPPED.faq])
def test_dutch_phrasings_find_their_entry(plain_assistant: Assistant, entry_id: str) -> None:
    entry = plain_assistant.content.entry(entry_id)
    assert entry is not None
    wrong = _misread(plain_assistant, entry, list(entry.vragen))
    assert not wrong, f"{entry_id}: " + "; ".join(wrong)


@pytest.mark.parametrize("entry_id", [e.id for e in SHIPPED.faq])
def test_english_phrasings_find_their_entry(plain_assistant: Assistant, entry_id: str) -> None:
    entry = plain_assistant.content.entry(entry_id)
    assert entry is not None and entry.en is not None
    wrong = _misread(plain_assistant, entry, list(entry.en.vragen))
    assert not wrong, f"{entry_id} (en): " + "; ".join(wrong)
