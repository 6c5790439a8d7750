"""Scrubs personal data out of a resident's message before anything keeps it.

The learning log stores texts the bot could not answer, so that people can improve the content.
Residents write about crimes and neighbours and often add a phone number, an address or a plate;
none of that may be kept. Each kind is replaced by a placeholder that keeps the sentence readable
("bel me op [telefoon]"), in an order that lets the specific patterns win over the generic ones.

Pattern-based, so it errs towards removing: a time ("20:30"), a year ("2021"), a bare four-digit
postcode ("7415") and short lines ("112") stay, because they carry meaning and identify no one.
Numbers from the line registry (content/lijnen.yaml, e.g. 0900-8844) stay too: they are public.
Names of people are only caught after a clear cue ("ik heet …"); see docs/privacy.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

import yaml

PHONE = "[telefoon]"
EMAIL = "[email]"
IBAN = "[iban]"
PLATE = "[kenteken]"
ADDRESS = "[adres]"
URL = "[url]"
ACCOUNT = "[account]"
NUMBER = "[nummer]"
NAME = "[naam]"
PLACEHOLDERS = (PHONE, EMAIL, IBAN, PLATE, ADDRESS, URL, ACCOUNT, NUMBER, NAME)
PLACEHOLDER_RE = re.compile(r"\[(?:" + "|".join(p[1:-1] for p in PLACEHOLDERS) + r")\]")


def _load_words() -> dict[str, tuple[str, ...]]:
    """The word lists live in scrub_words.yaml so that they read as lists, not as code."""
    text = (resources.files("bot") / "scrub_words.yaml").read_text(encoding="utf-8")
    return {key: tuple(value.split()) for key, value in yaml.safe_load(text).items()}


_WORDS = _load_words()

_L = r"[^\W\d_]"  # one letter, accents included
_WORD = rf"{_L}+(?:['’-]{_L}+)*"

# -- URLs, e-mail, accounts ------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"[\w.+-]+\s?(?:@|\[at\]|\(at\))\s?[\w-]+(?:\s?(?:\.|\[dot\]|\(dot\))\s?[\w-]+)*\.[a-z]{2,}",
    re.IGNORECASE,
)
# A link with a scheme or www., or a domain with a path (facebook.com/jan.jansen). A bare domain
# ("marktplaats.nl") stays: it names a service, not a person, and helps to read the question.
_URL_RE = re.compile(
    r"(?:\b(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/[^\s<>\"]*)",
    re.IGNORECASE,
)
_ACCOUNT_RE = re.compile(r"(?<![\w@])@[A-Za-z]\w{3,31}\b")

# -- bank accounts ---------------------------------------------------------------------------

_IBAN_NL_RE = re.compile(r"\bNL\s?\d{2}\s?[A-Z]{4}(?:\s?\d){10}\b", re.IGNORECASE)
_IBAN_ANY_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}\b")


def _iban_checksum_ok(candidate: str) -> bool:
    """ISO 13616 mod-97: a foreign IBAN is only replaced when it really is one."""
    compact = re.sub(r"\s", "", candidate).upper()
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


# -- phone numbers ---------------------------------------------------------------------------

# A run of digits with the separators people type in numbers: spaces, dashes, dots, brackets.
# Validated per group afterwards, because one run may hold two numbers or a date and a number.
_DIGIT_RUN_RE = re.compile(r"(?<![\w/:])(?:\+|\(\+?)?\d(?:(?:\s?[-./]\s?|\s|\)\s?|\s?\()?\d)*\)?")
_GROUP_RE = re.compile(r"\+?\d+")
_SERVICE_PREFIXES = ("0800", "0900", "0906", "0909")


def _national_digits(groups: list[str]) -> str | None:
    """The number as dialled in the Netherlands if these groups form a phone number, else None."""
    raw = "".join(groups)
    digits = raw.lstrip("+")
    if raw.startswith("+") or digits.startswith("00"):
        body = digits[2:] if digits.startswith("00") else digits
        if body.startswith("31"):  # +31 6 1234 5678, 0031 570 123456, +31 (0)6 12345678
            national = "0" + body[2:].removeprefix("0")
            return national if len(national) == 10 else None
        return body if 8 <= len(body) <= 15 else None
    if not digits.startswith("0"):
        return None
    if digits.startswith(_SERVICE_PREFIXES) and len(digits) in (8, 11):
        return digits
    return digits if len(digits) == 10 else None


def _looks_like_date(groups: list[str], separators: list[str]) -> bool:
    """1-2-2021 or 01.02.21 followed by a time; 06.12.34.56.78 (five groups) is a number."""
    if len(groups) < 3 or len(groups[0]) > 2 or len(groups[1]) > 2:
        return False
    if separators[0].strip() not in ("-", "/", ".") or separators[1] != separators[0]:
        return False
    if len(groups[2]) == 4:
        return True
    return len(groups[2]) == 2 and (len(groups) == 3 or separators[2] != separators[0])


def _phones_in_run(run: str, keep: frozenset[str]) -> str:
    """Replaces every phone number inside one digit run; other digits stay as they were."""
    spans = [(m.start(), m.end(), m.group()) for m in _GROUP_RE.finditer(run)]
    all_groups = [g for _, _, g in spans]
    all_seps = [run[spans[k][1] : spans[k + 1][0]] for k in range(len(spans) - 1)]
    out: list[str] = []
    cursor = 0
    i = 0
    while i < len(spans):
        found = None
        for j in range(i, min(i + 7, len(spans))):
            groups = [g for _, _, g in spans[i : j + 1]]
            if j == i + 2 and _looks_like_date(all_groups[i:], all_seps[i:]):
                break
            national = _national_digits(groups)
            if national is not None:
                found = (j, national)
                break
        if found is None:
            i += 1
            continue
        j, national = found
        start, end = spans[i][0], spans[j][1]
        # "(0570) 123456": the bracket belongs to the number; "(06-12345678)" keeps its brackets.
        if start > 0 and run[start - 1] == "(" and ")" in run[start:end]:
            start -= 1
        out.append(run[cursor:start])
        out.append(run[start:end] if national in keep else PHONE)
        cursor = end
        i = j + 1
    out.append(run[cursor:])
    return "".join(out)


# -- licence plates --------------------------------------------------------------------------

# The RDW side codes 1-14 (9 = digit, X = letter), e.g. 12-ABC-3 (7), XX-999-X (9), 1-ABC-23 (8).
SIDECODES = _WORDS["sidecodes"]


def _plate_pattern(separator: str, letter: str) -> str:
    shapes = []
    for code in SIDECODES:
        groups = [
            (letter if g[0] == "X" else r"\d") + "{" + str(len(g)) + "}" for g in code.split("-")
        ]
        shapes.append(separator.join(groups))
    return r"(?<![\w-])(?:" + "|".join(shapes) + r")(?![\w-])"


# With a dash or no separator letters may be lower case ("ab-12-cd"); with spaces only upper
# case counts, or "20 uur 3" would be a plate.
_PLATE_RES = (
    re.compile(_plate_pattern(r"\s?-\s?", "[A-Za-z]")),
    re.compile(_plate_pattern("", "[A-Za-z]")),
    re.compile(_plate_pattern(" ", "[A-Z]")),
)

# -- addresses -------------------------------------------------------------------------------

_HOUSE_NUMBER = (
    r"(?:nr\.?\s?|nummer\s)?\d{1,4}"
    r"(?:\s?-\s?\d{1,4}|/\d{1,4}|\s?(?:bis|hs|bg|huis|rood|zw|I{1,3}|i{1,3})\b|\s?[A-Za-z](?![\w'’]))?"
)
_AFTER_NUMBER = r"(?![\d:,.]\d|\s?%|\d)"
# Two-letter words that follow a year or count: "sinds 2019 in Deventer" is no postcode.
_NOT_POSTCODE_LETTERS = frozenset(_WORDS["not_postcode_letters"])
_POSTCODE_NUMBER_RE = re.compile(
    rf"\b(?P<pc4>[1-9]\d{{3}})\s?(?P<letters>[A-Za-z]{{2}})\b,?\s*(?:nr\.?\s?)?"
    rf"\d{{1,5}}(?:\s?-\s?\d{{1,4}}|\s?[A-Za-z](?![\w'’]))?{_AFTER_NUMBER}"
)
_POSTCODE_RE = re.compile(r"\b(?P<pc4>[1-9]\d{3})\s?(?P<letters>[A-Za-z]{2})\b")

STREET_SUFFIXES = _WORDS["street_suffixes"]
_SUFFIX_ALT = "|".join(re.escape(s) for s in sorted(STREET_SUFFIXES, key=len, reverse=True))
_PARTICLES = r"(?:van|de|der|den|het|ten|ter|op|aan|in\s+'t|'t)"
_PREFIX = rf"(?:[A-Z]{_L}*\.?\s+(?:{_PARTICLES}\s+)*){{0,3}}"
# "Keizerstraat 4a", "Hoge Hondstraat 12-2", "burgemeester van suchtelenstraat 45"
_STREET_SUFFIX_RE = re.compile(
    rf"(?P<words>{_PREFIX})(?<![\w-])(?P<street>{_L}{{2,}}(?:{_SUFFIX_ALT})|Brink|brink)"
    rf"\s+(?P<nr>{_HOUSE_NUMBER}){_AFTER_NUMBER}",
)
# "Brink 12", "Grote Kerkhof 3": capitalised words and a house number, filtered in _street_words.
_STREET_CAPITAL_RE = re.compile(
    rf"(?P<words>(?:[A-Z]{_L}*(?:['’-]{_L}+)*\s+(?:{_PARTICLES}\s+)*){{1,3}})"
    rf"(?P<nr>{_HOUSE_NUMBER}){_AFTER_NUMBER}"
)
# "ik woon aan de brink 12", "mijn adres is molenweg 3": lower case after a clear cue.
_STREET_CUE_RE = re.compile(
    rf"(?P<cue>\b(?:woon|woont|wonen|woonde|adres(?:\s+is)?:?|op|aan)\s+(?:de\s+|het\s+)?)"
    rf"(?P<words>{_WORD}\s+)(?P<nr>{_HOUSE_NUMBER}){_AFTER_NUMBER}",
    re.IGNORECASE,
)

# Words that stand before a number without being a street: times, counts, dates, lines.
MONTHS = _WORDS["months"]

NOT_STREET_WORDS = frozenset(
    _WORDS["not_street_words"] + MONTHS + _WORDS["month_abbreviations"] + _WORDS["weekdays"]
)
UNITS_AFTER = frozenset(_WORDS["units_after"] + MONTHS)
_NEXT_WORD_RE = re.compile(rf"\s*({_L}+(?:'s)?)")


def _is_year(number: str) -> bool:
    digits = re.match(r"\D*(\d+)", number)
    return bool(digits) and len(digits.group(1)) == 4 and 1900 <= int(digits.group(1)) <= 2099


def _followed_by_unit(text: str, end: int) -> bool:
    nxt = _NEXT_WORD_RE.match(text, end)
    return bool(nxt) and nxt.group(1).lower() in UNITS_AFTER


def _sub(pattern: re.Pattern[str], text: str, replace: Callable[[re.Match[str]], str]) -> str:
    return pattern.sub(replace, text)


@dataclass(frozen=True)
class Scrubber:
    """Replaces personal data by placeholders; keep holds public numbers (digits only)."""

    keep: frozenset[str] = frozenset()

    @classmethod
    def for_numbers(cls, numbers: Iterable[str]) -> Scrubber:
        return cls(frozenset(re.sub(r"\D", "", n) for n in numbers))

    def __call__(self, text: str) -> str:
        return self.scrub(text)

    def scrub(self, text: str) -> str:
        text = _EMAIL_RE.sub(EMAIL, text)
        text = _URL_RE.sub(_url, text)
        text = _ACCOUNT_RE.sub(ACCOUNT, text)
        text = _IBAN_NL_RE.sub(IBAN, text)
        text = _IBAN_ANY_RE.sub(lambda m: IBAN if _iban_checksum_ok(m.group()) else m.group(), text)
        text = _DIGIT_RUN_RE.sub(lambda m: _phones_in_run(m.group(), self.keep), text)
        text = _POSTCODE_NUMBER_RE.sub(_postcode_number, text)
        text = _POSTCODE_RE.sub(_postcode_only, text)  # before plates: 7411BR is a postcode
        for plate in _PLATE_RES:
            text = plate.sub(PLATE, text)
        text = _STREET_SUFFIX_RE.sub(lambda m: _street(m, text, suffix=True), text)
        text = _STREET_CUE_RE.sub(lambda m: _street_cue(m, text), text)
        text = _STREET_CAPITAL_RE.sub(lambda m: _street(m, text, suffix=False), text)
        text = _LONG_NUMBER_RE.sub(NUMBER, text)
        text = _NAME_CUE_RE.sub(lambda m: m.group("cue") + NAME, text)
        return text


def _url(match: re.Match[str]) -> str:
    """Trailing punctuation belongs to the sentence, not the link."""
    url = match.group()
    stripped = url.rstrip(".,;:!?)'\"")
    return URL + url[len(stripped) :]


def _postcode_number(match: re.Match[str]) -> str:
    letters = match.group("letters")
    if letters.islower() and letters in _NOT_POSTCODE_LETTERS:
        return match.group()
    return ADDRESS


def _postcode_only(match: re.Match[str]) -> str:
    """A full postcode narrows a resident down to a few houses; its first four digits do not."""
    letters = match.group("letters")
    if letters.upper() in ("SA", "SD", "SS") or (
        letters.islower() and letters in _NOT_POSTCODE_LETTERS
    ):
        return match.group()
    return match.group("pc4")


def _street(match: re.Match[str], text: str, *, suffix: bool) -> str:
    number = match.group("nr")
    if _followed_by_unit(text, match.end()) or _is_year(number):
        return match.group()
    words = match.group("words").split()
    if suffix:
        words.append(match.group("street"))
    elif not words or words[-1].lower().strip(".") in NOT_STREET_WORDS:
        return match.group()
    # A leading "Bij" or "Naar" stays; only the street itself goes.
    kept: list[str] = []
    for word in words[:-1]:
        if word.lower() not in NOT_STREET_WORDS:
            break
        kept.append(word)
    return " ".join([*kept, ADDRESS])


def _street_cue(match: re.Match[str], text: str) -> str:
    word = match.group("words").strip().lower()
    if (
        word in NOT_STREET_WORDS
        or _is_year(match.group("nr"))
        or _followed_by_unit(text, match.end())
    ):
        return match.group()
    return match.group("cue") + ADDRESS


# A citizen service number (BSN, 9 digits), an old bank account or a case number: long digit
# runs identify someone or something; prices with dots ("1.250.000") stay.
_LONG_NUMBER_RE = re.compile(r"(?<![\w.,])(?:\d{7,}|\d{4}\.\d{2}\.\d{3})(?![\w]|[.,]\d)")

# Names are only recognised after a cue; the first word may be lower case ("ik heet jan"),
# further words only when capitalised, so "ik heet jan en ik woon…" keeps "en ik woon".
_NAME_WORD = rf"{_L}+(?:[-'’]{_L}+)*"
_NAME_CUE_RE = re.compile(
    r"(?P<cue>\b(?i:ik\s+heet|mijn\s+naam\s+is|my\s+name\s+is|met\s+vriendelijke\s+groet,?|"
    r"vriendelijke\s+groet,?|groetjes,?|groet,?|mvg,?)\s+)"
    rf"(?P<name>{_NAME_WORD}(?:\s+(?:{_PARTICLES}\s+)*[A-Z]{_L}*(?:[-'’]{_L}+)*){{0,3}})"
)

_DEFAULT = Scrubber()


def scrub(text: str, keep: Iterable[str] = ()) -> str:
    """Scrub one message; keep lists public numbers that may stay (e.g. the lines registry)."""
    scrubber = _DEFAULT if not keep else Scrubber.for_numbers(keep)
    return scrubber.scrub(text)
