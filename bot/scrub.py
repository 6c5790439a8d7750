"""Scrubs personal data out of a resident's message before anything keeps it.

The learning log stores texts the bot could not answer, so that people can improve the content.
Residents write about crimes and neighbours and often add a phone number, an address or a plate;
none of that may be kept. Each kind is replaced by a placeholder that keeps the sentence readable
("bel me op [telefoon]"), in an order that lets the specific patterns win over the generic ones.

Pattern-based, so it errs towards removing: a time ("20:30"), a year ("2021"), a bare four-digit
postcode ("7415") and short lines ("112") stay, because they carry meaning and identify no one.
Numbers from the line registry (content/lijnen.yaml, e.g. 0900-8844) stay too: they are public.
Phone numbers are confirmed with the phonenumbers library (libphonenumber's data). Names of people
are only caught after a clear cue ("ik heet …"); see docs/privacy.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate

import phonenumbers
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

# A run of at least eight digits with the separators people type in numbers: spaces, dashes,
# dots, brackets. The first character comes first so that the engine can skip to it; the
# lookbehind then checks that the run starts at a boundary (not inside "v2.3" or after "20:").
# Validated per group afterwards, because one run may hold two numbers or a date and a number.
_RUN_SEP = r"(?:\s?[-./]\s?|\s|\)\s?|\s?\()"
_DIGIT_RUN_RE = re.compile(
    r"[(+\d](?<![\w/:].)(?:(?<=\()\+?\d|(?<=\+)\d|(?<=\d))"
    rf"(?=(?:{_RUN_SEP}?\d){{7}})\d*+(?:{_RUN_SEP}\d++)*+\)?"  # eight digits or more
)
_NON_DIGITS_RE = re.compile(r"(\D+)")
_NUMBER_START_RE = re.compile(r"(?:^|\D)[0+]")  # a group that starts with 0, or a +
_NL_CODE = 31
_SERVICE_STARTS = ("08", "09")  # 0800, 0900, 085, 088: these have 8 to 11 digits, others 10
_SPECIAL_STARTS = ("00", *_SERVICE_STARTS)  # international or service: several candidates
_SPECIAL_START_RE = re.compile(r"0(?<!\d.)\D*[089]")
_TEN_DIGITS_RE = re.compile(r"0(?<!\d.)(?=((?:\D*\d){9})(?!\d))")  # the nine after the 0
_MAX_BODY = 15  # E.164: at most 15 digits after the +
_MIN_BODY = 8  # shorter international numbers are rare and look like counts


@dataclass
class _PhoneCheck:
    """Asks phonenumbers whether digits form a valid number: cached, and bounded per message.

    Validation is the slow part of scrubbing (tens of microseconds a number), so answers are
    cached, and one message may ask at most `lookups` new questions. A message crammed with
    hundreds of different numbers is a list; past the limit the shape alone decides (ten digits
    with a 0, or a + and 8 to 15 digits), which errs towards removing.
    """

    lookups: int = 32

    def national(self, digits: str) -> bool:
        """A Dutch number as dialled at home, "0612345678"."""
        known = _PHONE_CACHE.get((_NL_CODE, digits[1:]))
        if known is not None:
            return known
        return self._valid(_NL_CODE, digits[1:], shape_ok=_national_shape_ok(digits))

    def international(self, body: str) -> bool:
        """A number after + or 00, country code first."""
        code = _country_code(body)
        if code is None:
            return False
        return self._valid(code, body[len(str(code)) :], shape_ok=True)

    def _valid(self, code: int, nsn: str, *, shape_ok: bool) -> bool:
        key = (code, nsn)
        known = _PHONE_CACHE.get(key)
        if known is not None:
            return known
        if self.lookups <= 0:
            return shape_ok
        self.lookups -= 1
        if len(_PHONE_CACHE) >= _PHONE_CACHE_SIZE:  # a long-running bot sees many numbers
            _PHONE_CACHE.clear()
        answer = _PHONE_CACHE[key] = _phonenumbers_says_valid(code, nsn)
        return answer


_PHONE_CACHE: dict[tuple[int, str], bool] = {}
_PHONE_CACHE_SIZE = 20_000


def _country_code(body: str) -> int | None:
    """The calling code at the start of body (codes are prefix-free: at most one fits)."""
    for size in (1, 2, 3):
        code = int(body[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


def _phonenumbers_says_valid(code: int, nsn: str) -> bool:
    """libphonenumber's verdict; a written trunk zero ("+32 (0)470 …") is tried without it too.

    The number is built directly instead of parsed from text: parsing costs several times as much
    and the digits are already separated from the rest of the message.
    """
    tries = [nsn, nsn.lstrip("0")] if nsn.startswith("0") else [nsn]
    for digits in tries:
        if not digits:
            continue
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(digits))
        zeros = len(digits) - len(digits.lstrip("0"))
        if zeros:  # Italian numbers keep their leading zero after the country code
            number.italian_leading_zero = True
            number.number_of_leading_zeros = zeros
        if phonenumbers.is_valid_number(number):
            return True
    return False


def _national_shape_ok(digits: str) -> bool:
    """The old shape rule, used when phonenumbers is not asked: ten digits, or a service number."""
    return len(digits) == 10 or (digits.startswith(_SERVICE_STARTS) and len(digits) in (8, 11))


@dataclass
class _Run:
    """One digit run split into groups of digits and what stands between them.

    `before[k]` counts the digits in the groups before group k, so the number of groups that hold
    exactly n digits from group i is found with one lookup in `group_ending_at`, not a loop.
    """

    groups: list[str]
    seps: list[str]  # seps[k] stands between groups k and k+1
    lead: str  # "(", "+", "(+" or "" before the first group
    plus: frozenset[int]  # the groups written with a + before them
    offsets: list[int]  # where group k starts in the run is offsets[2 * k]
    digits: str
    before: list[int]
    group_ending_at: dict[int, int]

    @classmethod
    def parse(cls, text: str) -> _Run:
        parts = _NON_DIGITS_RE.split(text)
        lead = ""
        if parts[0] == "":
            lead, parts = parts[1], parts[2:]
        if parts[-1] == "":
            parts.pop()
        if len(parts) % 2 == 0:  # a trailing ")" is not a separator
            parts.pop()
        groups, seps = parts[0::2], parts[1::2]
        plus = (
            frozenset(k for k, sep in enumerate([lead, *seps]) if sep.endswith("+"))
            if "+" in text
            else frozenset()
        )
        offsets = list(accumulate(map(len, parts), initial=len(lead)))
        before = list(accumulate(map(len, groups), initial=0))
        ending = {n: k - 1 for k, n in enumerate(before)}
        return cls(groups, seps, lead, plus, offsets, "".join(groups), before, ending)

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Where groups i to j stand in the run."""
        return self.offsets[2 * i], self.offsets[2 * j + 1]

    def looks_like_date(self, i: int) -> bool:
        """1-2-2021 or 01.02.21 followed by a time; 06.12.34.56.78 (five groups) is a number."""
        g, s = self.groups, self.seps
        if len(g) < i + 3 or len(g[i]) > 2 or len(g[i + 1]) > 2:
            return False
        if s[i].strip() not in ("-", "/", ".") or s[i + 1] != s[i]:
            return False
        if len(g[i + 2]) == 4:
            return True
        return len(g[i + 2]) == 2 and (len(g) == i + 3 or s[i + 2] != s[i])

    def ends(self, i: int, first_digit: int, counts: Iterable[int]) -> list[tuple[int, str]]:
        """(last group, digits) for each count of digits from `first_digit` that ends a group."""
        found = []
        for count in counts:
            j = self.group_ending_at.get(first_digit + count)
            if j is not None and j >= i:
                found.append((j, self.digits[first_digit : first_digit + count]))
        return found


_SERVICE_COUNTS = (11, 10, 9, 8)
_BODY_COUNTS = tuple(range(_MAX_BODY + 1, _MIN_BODY - 1, -1))  # +1: room for a written "(0)"


def _phone_at(run: _Run, i: int, keep: frozenset[str], check: _PhoneCheck) -> tuple[int, bool]:
    """(last group, public) of the phone number that starts at group i, or (-1, False)."""
    first = run.before[i]
    plus = i in run.plus
    if plus or run.groups[i].startswith("00"):
        found = run.ends(i, first if plus else first + 2, _BODY_COUNTS)
        candidates = [(j, *_international_form(body)) for j, body in found]
    else:
        counts = _SERVICE_COUNTS if run.digits.startswith(_SERVICE_STARTS, first) else (10,)
        candidates = [(j, n, False) for j, n in run.ends(i, first, counts)]
    chosen = _choose(candidates, keep, check)
    if chosen[0] > i + 1 and run.looks_like_date(i):
        # 01.02.21 12.00 is a date and a time: only the first two groups may be a number
        chosen = _choose([c for c in candidates if c[0] <= i + 1], keep, check)
    return chosen


def _choose(
    candidates: list[tuple[int, str, bool]], keep: frozenset[str], check: _PhoneCheck
) -> tuple[int, bool]:
    """A public number from the registry first; else the longest one phonenumbers accepts.

    Longest, so that "+32 470 12 34 56" is taken whole and not cut after the first plausible
    length. Candidates are (last group, number, international), longest first.
    """
    for j, number, _ in candidates:
        if number in keep:
            return j, True
    for j, number, abroad in candidates:
        if check.international(number) if abroad else check.national(number):
            return j, False
    return -1, False


def _international_form(body: str) -> tuple[str, bool]:
    """A Dutch number after +31/0031 as dialled at home ("+31 (0)6 …" too); others stay as body."""
    if body.startswith(str(_NL_CODE)):
        return "0" + body[2:].removeprefix("0"), False
    return body, True


def _simple_run(text: str, keep: frozenset[str], check: _PhoneCheck) -> str | None:
    """Most runs are one Dutch number in one or two groups ("06-12345678", "0900-8844"): decided
    without taking the run apart. None when the general path has to look."""
    parts = _NON_DIGITS_RE.split(text, maxsplit=1)
    if not parts[-1].isdigit() or not parts[0].startswith("0") or parts[0].startswith("00"):
        return None
    digits = "".join(parts[0::2])
    if digits in keep:
        return text
    counts = _SERVICE_COUNTS if digits.startswith(_SERVICE_STARTS) else (10,)
    if len(digits) in counts and check.national(digits):
        return PHONE
    return None


def _phones_in_run(text: str, keep: frozenset[str], check: _PhoneCheck) -> str:
    """Replaces every phone number inside one digit run; other digits stay as they were."""
    if not _NUMBER_START_RE.search(text):  # "1 1 1 …": no group can start a number
        return text
    simple = _simple_run(text, keep, check)
    if simple is not None:
        return simple
    if _nothing_to_find(text, keep, check):
        return text
    run = _Run.parse(text)
    out: list[str] = []
    cursor = 0
    for i, j, public in _numbers_in_run(run, keep, check):
        start, end = run.span(i, j)
        if i in run.plus:
            start -= 1
        # "(0570) 123456": the bracket belongs to the number; "(06-12345678)" keeps its brackets.
        if start > 0 and text[start - 1] == "(" and ")" in text[start:end]:
            start -= 1
        out.append(text[cursor:start])
        out.append(text[start:end] if public else PHONE)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _nothing_to_find(text: str, keep: frozenset[str], check: _PhoneCheck) -> bool:
    """Whether a long run holds no number, decided by the regex engine before splitting it up.

    Without a + or a service or international start, a number is ten digits from a group that
    starts with 0 to the end of a group; findall lists them all ("0 6 0 6 …" has a thousand, all
    "0606060606"), and only the distinct ones are checked.
    """
    if "+" in text or _SPECIAL_START_RE.search(text):
        return False
    tens = {_NON_DIGITS_RE.sub("", "0" + t) for t in set(_TEN_DIGITS_RE.findall(text))}
    return not any(n in keep or check.national(n) for n in tens)


def _numbers_in_run(
    run: _Run, keep: frozenset[str], check: _PhoneCheck
) -> list[tuple[int, int, bool]]:
    """(first group, last group, public) of each phone number in the run, left to right.

    A long run ("0 6 0 6 …", hundreds of groups) has a possible start at every group with a 0.
    Ordinary Dutch numbers (ten digits, one candidate each) are therefore decided in bulk, once
    per distinct candidate; only the rest (service numbers, +, 00) is looked at one by one.
    """
    b, digits, ends = run.before, run.digits, run.group_ending_at
    starts = [i for i, g in enumerate(run.groups) if g[0] == "0"]
    special = {
        i for i in starts if digits.startswith(_SPECIAL_STARTS, b[i])
    } | run.plus  # 00…, 08…, 09…, +…
    tens = [(i, ends[b[i] + 10]) for i in starts if i not in special and b[i] + 10 in ends]
    numbers = {i: digits[b[i] : b[i] + 10] for i, _ in tens}
    good = {n: n in keep or check.national(n) for n in set(numbers.values())}
    candidates = sorted([(i, j) for i, j in tens if good[numbers[i]]] + [(i, -1) for i in special])
    found: list[tuple[int, int, bool]] = []
    free = 0  # the first group not yet part of a number
    for i, j in candidates:
        if i < free:
            continue
        if j < 0:
            j, public = _phone_at(run, i, keep, check)
            if j < 0:
                continue
        elif j > i + 1 and run.looks_like_date(i):  # 01.02.21 12.00: a date and a time
            continue
        else:
            public = numbers[i] in keep
        found.append((i, j, public))
        free = j + 1
    return found


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

# A house number never starts with 0, so "Politie 0900-8844" is a line, not an address.
_HOUSE_NUMBER = (
    r"(?:nr\.?\s?|nummer\s)?[1-9]\d{0,3}"
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
        check = _PhoneCheck()
        text = _DIGIT_RUN_RE.sub(lambda m: _phones_in_run(m.group(), self.keep, check), text)
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
