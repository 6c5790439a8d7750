"""Scrubs personal data out of a resident's message before anything keeps it.

The learning log stores texts the bot could not answer, so that people can improve the content.
Residents write about crimes and neighbours and often add a phone number, an address or a plate;
none of that may be kept. Each kind is replaced by a placeholder that keeps the sentence readable
("bel me op [telefoon]"), in an order that lets the specific patterns win over the generic ones.

Pattern-based, so it errs towards removing: a time ("20:30"), a year ("2021"), a bare four-digit
postcode ("7415") and short lines ("112") stay, because they carry meaning and identify no one.
Numbers from the line registry (content/lijnen.yaml, e.g. 0900-8844) stay too: they are public.
Phone numbers are confirmed with the phonenumbers library (libphonenumber's data). Names of people
are only caught after a clear cue ("ik heet …", "ik ben Jan"); see docs/privacy.md.

Every pattern is linear in the length of the message: a match can only start at a boundary, and
repetitions are possessive, so no pattern rescans the text from every position. Patterns start
with the character they need (a digit, "@") where they can, because the regex engine skips to
such a character quickly; a pattern that starts with a lookbehind is tried at every position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
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
DATE = "[datum]"
PLACEHOLDERS = (PHONE, EMAIL, IBAN, PLATE, ADDRESS, URL, ACCOUNT, NUMBER, NAME, DATE)
PLACEHOLDER_RE = re.compile(r"\[(?:" + "|".join(p[1:-1] for p in PLACEHOLDERS) + r")\]")


def _load_words() -> dict[str, tuple[str, ...]]:
    """The word lists live in scrub_words.yaml so that they read as lists, not as code."""
    text = (resources.files("bot.operators") / "scrub_words.yaml").read_text(encoding="utf-8")
    return {key: tuple(value.split()) for key, value in yaml.safe_load(text).items()}


_WORDS = _load_words()

_L = r"[^\W\d_]"  # one letter, accents included

# -- pattern helpers -------------------------------------------------------------------------


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first so that "januari" wins over "jan"."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _trie_pattern(sequences: Iterable[str], token: Callable[[str], str] = re.escape) -> str:
    """One regex for many token sequences, sharing prefixes, so that a start costs a few steps.

    An alternation of 42 plate shapes (or 46 units) is tried one by one at every start; as a
    trie the engine follows one branch per character instead.
    """
    trie: dict[str, dict] = {}
    for sequence in sequences:
        node = trie
        for item in sequence:
            node = node.setdefault(item, {})
        node[""] = {}

    def walk(node: dict[str, dict]) -> str:
        branches = [token(t) + walk(child) if t else "" for t, child in node.items()]
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(sorted(branches, key=len, reverse=True)) + ")"

    return walk(trie)


def _lookbehind_any(words: Iterable[str], before: str = "", after: str = "") -> str:
    """A test that one of words (a space in one: any whitespace character) ends here.

    Built as lookbehinds: one per last character, then one per length (a lookbehind needs a
    fixed width) with an alternation inside. A position costs the engine one or two checks,
    where 40 endings tried one by one, or a test in Python, would cost forty.
    """
    groups: dict[str, dict[int, list[str]]] = {}
    for word in sorted(set(words)):
        tail = word[len(word.rstrip()) - 1 :]  # the last character and the spaces after it
        groups.setdefault(tail, {}).setdefault(len(word), []).append(_spaced(re.escape(word)))
    tests = []
    for tail, by_width in sorted(groups.items()):
        inner = "|".join(
            rf"(?<={before}(?:{'|'.join(ws)}){after})" for _, ws in sorted(by_width.items())
        )
        tests.append(rf"(?<={_spaced(re.escape(tail))}{after})(?:{inner})")
    return "(?:" + "|".join(tests) + ")"


def _spaced(pattern: str) -> str:
    r"""An escaped space (``\ ``) in pattern becomes "any whitespace character"."""
    return pattern.replace(r"\ ", r"\s")


def _replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    """text with each (start, end, replacement) applied; spans are sorted and do not overlap."""
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    for start, end, replacement in spans:
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


# -- URLs, e-mail, accounts ------------------------------------------------------------------

_AT = r"(?:\s?(?:@|[\[({]at[\])}])\s?)"
_DOT = r"(?:\.|\s?[\[({](?:dot|punt)[\])}]\s?)"
_SPELLED_TLD = _alternatives(_WORDS["spelled_email_tlds"])
# "piet at gmail dot com": the written-out words only count before a known domain ending.
_SPELLED_AT = rf"(?:\s+at\s+(?=[\w-]++\s+(?:dot|punt)\s+(?:{_SPELLED_TLD})\b))"
# "dot" written out, or a dot after a space ("gmail . com"), only before a known domain ending;
# a dot and then a space is the end of a sentence ("jan@ziggo.nl. Nl is …").
_SPELLED_DOT = rf"(?:(?:\s+(?:dot|punt)\s+|\s\.\s?)(?=(?:{_SPELLED_TLD})\b))"
_LABEL_SEP = rf"(?:{_DOT}|{_SPELLED_DOT})"
# The local part starts at a boundary and is taken whole (possessive), so a long run of letters
# without an "@" costs one scan, not one per position. The domain needs at least one dot.
_EMAIL_RE = re.compile(
    rf"[\w.+-](?<![\w.+-].)[\w.+-]*+(?:{_AT}|{_SPELLED_AT})"
    rf"(?P<domain>[\w-]++(?:{_LABEL_SEP}[\w-]++)++)",
    re.IGNORECASE,
)
_LABEL_SEP_RE = re.compile(_LABEL_SEP, re.IGNORECASE)
_TLD_RE = re.compile(r"[a-z]{2,}", re.IGNORECASE)


def _email(match: re.Match[str]) -> str:
    """The address up to its last label that can end a domain; without one it is no address.

    The domain is taken greedily and without backtracking, so the check for a real ending
    ("jan@ziggo.nl", not "jan@ziggo.123") happens here; whatever follows the ending stays.
    """
    domain = match.group("domain")
    seps = list(_LABEL_SEP_RE.finditer(domain))
    ends = [s.start() for s in seps[1:]] + [len(domain)]
    for sep, label_end in zip(reversed(seps), reversed(ends), strict=True):
        if _TLD_RE.fullmatch(domain, sep.end(), label_end):
            return EMAIL + domain[label_end:]
    return match.group()


def _looks_like_email(lowered: str) -> bool:
    """Cheap test before the e-mail pattern: an @, or an "at" in brackets or between spaces."""
    return (
        "@" in lowered
        or "at]" in lowered
        or "at)" in lowered
        or "at}" in lowered
        or (" at " in lowered and (" dot " in lowered or " punt " in lowered))
    )


# A link with a scheme or www., or a domain with a path (facebook.com/jan.jansen). A bare domain
# ("marktplaats.nl") stays: it names a service, not a person, and helps to read the question.
_URL_SCHEME_RE = re.compile(r"[hw](?<!\w.)(?:(?<=h)ttps?://|(?<=w)ww\.)[^\s<>\"]++", re.IGNORECASE)
_URL_PATH_RE = re.compile(r"[\w-](?<![\w.-].)(?P<host>[\w-]*+(?:\.[\w-]++)++)/[^\s<>\"]*+")
_HOST_END_RE = re.compile(r"\.[a-z]{2,}$", re.IGNORECASE)


def _url(match: re.Match[str]) -> str:
    """Trailing punctuation belongs to the sentence, not the link; a host needs a real ending."""
    host = match.groupdict().get("host")
    if host is not None and not _HOST_END_RE.search(host):
        return match.group()
    url = match.group()
    stripped = url.rstrip(".,;:!?)'\"")
    return URL + url[len(stripped) :]


def _urls(text: str, lowered: str) -> str:
    """Links with a scheme or www. first; then a domain with a path. Both need a "/" or "www."."""
    if "www." in lowered or "://" in text:
        text = _URL_SCHEME_RE.sub(_url, text)
    if "/" in text:
        text = _URL_PATH_RE.sub(_url, text)
    return text


# "@" first: the engine jumps from "@" to "@"; the lookbehind then checks what stands before it.
_ACCOUNT_RE = re.compile(r"@(?<![\w@]@)[A-Za-z]\w{3,31}\b")

# -- bank accounts ---------------------------------------------------------------------------

# The first letter comes first so that the engine can skip to it, then the boundary check.
_IBAN_NL_RE = re.compile(r"n(?<!\w.)l\s?\d{2}\s?[A-Z]{4}(?:\s?\d){10}\b", re.IGNORECASE)
_IBAN_ANY_RE = re.compile(r"[A-Z](?<!\w.)[A-Z]\d{2}(?:\s?[A-Z0-9]){11,30}\b")


def _iban_checksum_ok(candidate: str) -> bool:
    """ISO 13616 mod-97: a foreign IBAN is only replaced when it really is one."""
    compact = re.sub(r"\s", "", candidate).upper()
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def _iban(match: re.Match[str]) -> str:
    return IBAN if _iban_checksum_ok(match.group()) else match.group()


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


# -- dates -----------------------------------------------------------------------------------

MONTHS = _WORDS["months"]
_MONTH_ALT = _alternatives(MONTHS + _WORDS["month_abbreviations"])
_YEAR = r"(?:19|20)\d\d"
# 12-03-1985, 12/3/85, 1985-03-12: day, month and year with one separator.
_NUMERIC_DATE_RE = re.compile(
    r"\d(?<![\w./-].)(?:\d?(?P<sep>[-/.])(?P<m>\d\d?)(?P=sep)(?:\d\d){1,2}"
    r"|\d{3}-(?P<iso_m>\d\d?)-(?P<iso_d>\d\d?))"
    r"(?![\w:]|[-/.]\d)"
)
# 3 maart 2009, 3 mrt. '85. The lookahead on a month's first letter keeps the alternation of
# month names from being tried after every digit.
_MONTH_STEMS = tuple({m[:3] for m in MONTHS + _WORDS["month_abbreviations"]})  # cheap pre-test
_MONTH_INITIALS = "".join(sorted({m[0] for m in MONTHS} | {m[0].upper() for m in MONTHS}))
_NAMED_DATE_RE = re.compile(
    rf"\d(?<![\w./-].)\d?(?P<month>\s?(?=[{_MONTH_INITIALS}])(?i:{_MONTH_ALT}))\.?\s"
    rf"(?:{_YEAR}|'\d\d)(?![\w:]|[-/.]\d)"
)
# Without a year a date stays ("vorige week op 3 maart"), unless it is a birthday.
_BIRTH_CUE = (
    r"geboren|geb\.|geb|geboortedatum|geboortedag|verjaardag|jarig|"
    r"born|birthday|date\s+of\s+birth|dob"
)
_BIRTH_DATE_RE = re.compile(
    rf"(?P<cue>\b(?:{_BIRTH_CUE})(?:\s?:)?\s*(?:(?:op|is|de|on|in)\s+)?)"
    rf"(?P<date>(?P<day>\d\d?)(?:\s?(?:{_MONTH_ALT})\b\.?|(?P<sep>[-/.])\d\d?(?:(?P=sep)\d\d(?:\d\d)?)?))"
    rf"(?![\w:]|[-/.]\d)",
    re.IGNORECASE,
)


def _numeric_date(match: re.Match[str]) -> str:
    """Only a plausible day and month: "1.250.000" is a price and "20.30.10" no date."""
    if match.group("sep"):
        day = int(match.string[match.start() : match.start("sep")])
        month = int(match.group("m"))
    else:
        day, month = int(match.group("iso_d")), int(match.group("iso_m"))
    return DATE if 1 <= day <= 31 and 1 <= month <= 12 else match.group()


def _named_date(match: re.Match[str]) -> str:
    day = int(match.string[match.start() : match.start("month")])
    return DATE if 1 <= day <= 31 else match.group()


def _birth_date(match: re.Match[str]) -> str:
    day = int(match.group("day"))
    return match.group("cue") + DATE if 1 <= day <= 31 else match.group()


def _dates(text: str, lowered: str) -> str:
    """Full dates always; a day and month only after a birth cue ("geboren op 3 maart")."""
    if "-" in text or "/" in text or "." in text:
        text = _NUMERIC_DATE_RE.sub(_numeric_date, text)
    if any(month in lowered for month in _MONTH_STEMS):
        text = _NAMED_DATE_RE.sub(_named_date, text)
    if any(cue in lowered for cue in ("geb", "jarig", "verjaardag", "born", "birth", "dob")):
        text = _BIRTH_DATE_RE.sub(_birth_date, text)
    return text


# -- long numbers and citizen service numbers ------------------------------------------------

# A citizen service number (BSN, 9 digits), an old bank account or a case number: long digit
# runs identify someone or something; prices with dots ("1.250.000") stay. A BSN is also typed
# in groups, "1234 56 782", "123 456 782", "12 34 56 782", with spaces, dots or dashes; ordinary
# numbers come in groups too, so a grouped BSN must pass the eleven-test.
_LONG_NUMBER_RE = re.compile(
    r"\d(?<![\w.,].)(?:"
    r"(?:\d{6,}|\d{3}\.\d{2}\.\d{3})(?![\w]|[.,]\d)"
    r"|(?P<grouped>(?<![+-].)(?<!\d[ .-].)"
    r"(?:\d{3}(?P<a>[ .-])\d\d(?P=a)"  # 1234 56 782
    r"|\d\d(?P<b>[ .-])\d{3}(?P=b)"  # 123 456 782
    r"|\d(?P<c>[ .-])\d\d(?P=c)\d\d(?P=c))"  # 12 34 56 782
    r"\d{3}(?![\w]|[ .,-]?\d)))"
)


def _elfproef(digits: str) -> bool:
    """The BSN eleven-test: 9*d1 + 8*d2 + … + 2*d8 - d9 is a multiple of 11."""
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def _long_number(match: re.Match[str]) -> str:
    if match.group("grouped") is None:
        return NUMBER
    digits = _NON_DIGITS_RE.sub("", match.group())
    return NUMBER if _elfproef(digits) else match.group()


# -- licence plates --------------------------------------------------------------------------

# The RDW side codes 1-14 (9 = digit, X = letter), e.g. 12-ABC-3 (7), XX-999-X (9), 1-ABC-23 (8).
SIDECODES = _WORDS["sidecodes"]

_PLATE_TOKENS = {"X": "[A-Za-z]", "9": r"\d", "-": r"\s?-\s?", " ": " "}


def _plate_shapes() -> list[str]:
    """Every side code with a dash ("12-ABC-3"), without separator ("12abc3") and with spaces."""
    return [code.replace("-", sep) for code in SIDECODES for sep in ("-", "", " ")]


# The first character comes first (so the engine can skip to letters and digits) and must start
# a word; the rest follows the side codes as a trie. With spaces only upper case counts, or
# "20 uur 3" would be a plate; that is checked on the (rare) match.
_PLATE_RE = re.compile(
    r"[A-Za-z\d](?<![\w-].)(?:(?<=[A-Za-z])"
    + _trie_pattern([s[1:] for s in _plate_shapes() if s[0] == "X"], _PLATE_TOKENS.__getitem__)
    + r"|(?<=\d)"
    + _trie_pattern([s[1:] for s in _plate_shapes() if s[0] == "9"], _PLATE_TOKENS.__getitem__)
    + r")(?![\w-])"
)


def _plate(match: re.Match[str]) -> str:
    """Spaced plates only in capitals: "KL 123 M", not "ab 12 cd"."""
    plate = match.group()
    if " " in plate and "-" not in plate and not plate.isupper():
        return plate
    return PLATE


# -- addresses -------------------------------------------------------------------------------

# A house number never starts with 0, so "Politie 0900-8844" is a line, not an address.
_HOUSE_NUMBER = (
    r"(?:nr\.?\s?|nummer\s)?(?!(?:19|20)\d\d(?!\d))[1-9]\d{0,3}"  # "In 2021" is a year
    r"(?:[A-Za-z](?![\w'’])|\s?-\s?\d{1,4}|/\d{1,4}"  # 4a, 12-2, 3/1
    r"|\s(?:(?=[bhrzIi])(?:bis|hs|bg|huis|rood|zw|I{1,3}|i{1,3})\b"  # 220 bis, 5 II
    r"|[A-Za-z](?![\w'’])(?!\s+[1-9])))?"  # 12 a; but in "2 M 123" the M starts a street
)
_AFTER_NUMBER = r"(?![\d:,.]\d|\s?%|\d)"
# Two-letter words that follow a year or count: "sinds 2019 in Deventer" is no postcode.
_NOT_POSTCODE_LETTERS = frozenset(_WORDS["not_postcode_letters"])
# A postcode with a house number, "7411 AB 12"; then a postcode alone, "7415AB".
_POSTCODE_NUMBER_RE = re.compile(
    r"[1-9](?<!\w.)\d{3}\s?(?P<letters>[A-Za-z]{2})\b,?\s*(?:nr\.?\s?)?"
    rf"\d{{1,5}}(?:\s?-\s?\d{{1,4}}|\s?[A-Za-z](?![\w'’]))?{_AFTER_NUMBER}"
)
_POSTCODE_RE = re.compile(r"[1-9](?<!\w.)\d{3}\s?(?P<letters>[A-Za-z]{2})\b")


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
    return match.group()[:4]


STREET_SUFFIXES = _WORDS["street_suffixes"]
# Words that stand before a number without being a street: times, counts, dates, lines.
NOT_STREET_WORDS = frozenset(
    _WORDS["not_street_words"] + MONTHS + _WORDS["month_abbreviations"] + _WORDS["weekdays"]
)
UNITS_AFTER = frozenset(_WORDS["units_after"] + MONTHS)  # "Brink 12 uur" is a time

# The word just before a house number, taken whole. The pattern only lets through a word that is
# capitalised ("Brink 12"), follows an address cue ("ik woon aan de worp 3") or has a street
# ending ("keizerstraat 4"), so that a message full of "a 1 a 1" costs the engine a few steps a
# word and no Python; _addresses then decides. Cues are recognised with single whitespace, as
# the learning log writes messages.
_ADDRESS_CUES = tuple(
    f"{cue} {article}"
    for cue in (*_WORDS["address_cues"], "adres is", "adres is:")
    for article in ("", "de ", "het ")
)
_STREET_ENDINGS = tuple(s for s in STREET_SUFFIXES if not s.endswith("."))
_CAPITALISED_START = r"(?P<cap>(?<=[A-Z]))"  # after the word's first character
_CUE_START = "(?P<cue>(?i:" + _lookbehind_any(_ADDRESS_CUES, before=r"\b", after=".") + "))"
_STREET_END = _lookbehind_any(_STREET_ENDINGS, before=_L + "{2}") + r"|(?<=(?<![\w'’-])brink)"
_UNIT_AFTER = (
    r"(?!\s*+(?i:" + _trie_pattern(sorted(UNITS_AFTER)) + r")(?![^\W\d_]|'s))"  # "Brink 12 uur"
)
_WORD_BEFORE_NUMBER = rf"{_L}*+(?:['’-]{_L}++)*+"
_STREET_WORD_RE = re.compile(
    rf"{_L}(?<![\w'’-].)"
    rf"(?={_WORD_BEFORE_NUMBER}\.?\s+(?:nr\.?\s?|nummer\s)?[1-9])"  # a number follows: most stop
    r"(?P<pre>(?<=(?:[^\W\d_]|\.)\s.))?"  # the word before may belong to the name
    rf"(?:{_CUE_START}|{_CAPITALISED_START})?"  # a cue first, as in "op KL 5": no name before
    rf"{_WORD_BEFORE_NUMBER}"
    rf"(?(cap)|(?(cue)|(?:{_STREET_END})))"
    r"(?:(?<=str)\.)?"  # only "str." takes a dot: "Keizerstraat. 12 mensen"
    rf"\s+(?P<nr>(?>{_HOUSE_NUMBER})){_AFTER_NUMBER}{_UNIT_AFTER}"  # atomic: "4a euro" stays
)
_STREET_PARTICLES = frozenset(("van", "de", "der", "den", "het", "ten", "ter", "op", "aan", "'t"))
_CAPITAL_WORD_RE = re.compile(rf"[A-Z]{_L}*(?:['’-]{_L}+)*\.?")


def _addresses(text: str) -> str:
    """Streets with a house number: "Keizerstraat 4a", "ik woon op de worp 3", "Grote Kerkhof 3".

    The pattern finds the candidates (see _STREET_WORD_RE); Python drops the words that are no
    street ("Om 12") and looks for capitalised words before the street that belong to its name
    ("Hoge Hondstraat"), only when there may be some. A dropped candidate cannot hide the next
    one: a house number does not take the first letter of the next street ("2 M 123").
    """
    spans: list[tuple[int, int, str]] = []
    cursor = 0
    for match in _STREET_WORD_RE.finditer(text):
        start, end = match.start(), match.end()
        word = text[start : match.start("nr")].rstrip()
        if word.lower() in NOT_STREET_WORDS:  # "Om 12 uur", "ik ben 12"; never a street name
            continue
        if match.group("pre") is None:
            spans.append((start, end, ADDRESS))
        elif _is_street_name(word):
            spans.append(_street_span(text, start, end, cursor, 3))  # "Burgemeester van X-straat"
        elif match.group("cue") is None:
            spans.append(_street_span(text, start, end, cursor, 2))  # "Grote Kerkhof"
        else:
            spans.append((start, end, ADDRESS))
        cursor = end
    return _replace_spans(text, spans)


def _street_span(text: str, start: int, end: int, floor: int, limit: int) -> tuple[int, int, str]:
    """The street with the capitalised words before it that belong to its name ("Hoge
    Hondstraat 12"); of those, a leading "Bij" or "Naar" stays, only the street itself goes."""
    first, prefix = _capitalised_words(_words_before(text, start, floor), limit)
    if not prefix:
        return start, end, ADDRESS
    kept: list[str] = []
    for word in prefix:
        if word.lower() not in NOT_STREET_WORDS:
            break
        kept.append(word)
    return first, end, " ".join([*kept, ADDRESS])


def _words_before(text: str, start: int, floor: int) -> Iterator[tuple[int, str]]:
    """The whitespace-separated words before start, nearest first, with their offsets.

    Stops at `floor` (the end of the last replacement) and at a word glued to the next one.
    """
    end = start
    while True:
        stop = end
        while stop > floor and text[stop - 1].isspace():
            stop -= 1
        if stop in (end, floor):
            return
        begin = stop
        while begin > floor and not text[begin - 1].isspace():
            begin -= 1
        yield begin, text[begin:stop]
        end = begin


def _capitalised_words(before: Iterator[tuple[int, str]], limit: int) -> tuple[int, list[str]]:
    """Up to `limit` capitalised words (each with particles after it) that end right before.

    For "Burgemeester van Suchtelenstraat": where "Burgemeester" starts, and ["Burgemeester",
    "van"]; particles without a capitalised word before them ("op de Brink") do not count.
    """
    words: list[str] = []
    first = -1
    pending: list[str] = []  # particles seen, waiting for a capitalised word
    for offset, token in before:
        if token in _STREET_PARTICLES or (token == "in" and pending[-1:] == ["'t"]):
            pending.append(token)
            continue
        if limit == 0 or not _CAPITAL_WORD_RE.fullmatch(token):
            break
        words = [token, *reversed(pending), *words]
        first, pending, limit = offset, [], limit - 1
    return first, words


def _is_street_name(word: str) -> bool:
    """ "Keizerstraat", "keizerstr.", "Brink": a street ending after at least two letters."""
    if word in ("Brink", "brink"):
        return True
    name = word.lower()
    if name.endswith("."):
        return name.endswith("str.") and len(name) >= 6
    if not name.endswith(_STREET_ENDINGS):  # one C-level test for the common "no"
        return False
    return any(name.endswith(end) and len(name) >= len(end) + 2 for end in _STREET_ENDINGS)


# -- names -----------------------------------------------------------------------------------

_NAME_WORD = rf"{_L}+(?:[-'’]{_L}+)*"
_NAME_STOP_WORDS = frozenset(_WORDS["name_stop_words"])
_NOT_NAMES = frozenset(_WORDS["not_names"] + _WORDS["weekdays"])  # not months: "ik ben Jan"
_NOT_NAME_ENDINGS = _WORDS["not_name_endings"]
_PARTICLE_WORDS = frozenset(_WORDS["name_particles"])
_PARTICLE_LEADS = frozenset(_WORDS["name_particle_leads"])
_NAME_WORD_RE = re.compile(_NAME_WORD)
_NEXT_NAME_WORD_RE = re.compile(rf"[ \t]+([’']t|{_NAME_WORD})")  # "'t" as in "Jan in 't Veld"
# After "ik ben" every part is capitalised: "Anna van der Berg-Janssen", not "Ajax-fan".
_CAPITALISED_NAME_RE = re.compile(r"[A-Z][^\W\d_A-Z]+(?:[-'’][A-Z][^\W\d_A-Z]+)*")
# The first word may be lower case after these cues ("ik heet jan").
_NAME_CUE_RE = re.compile(
    r"\b(?i:ik\s+heet|mijn\s+naam\s+is|my\s+name\s+is|met\s+vriendelijke\s+groet,?|"
    r"vriendelijke\s+groet,?|groetjes,?|groet,?|mvg,?)\s+"
)
# After "ik ben" only a capitalised word is a name: "ik ben Jan", not "ik ben bang". A
# capitalised "Ben" means the whole message is in title case, where capitals say nothing.
_IK_BEN_RE = re.compile(r"\b[Ii]k\s+ben\s+(?=[A-Z])")


def _name_end(text: str, start: int, *, lower_ok: bool) -> int | None:
    """Where the name that starts at `start` ends, or None if no name starts there.

    A name is a first name and up to three more words, with particles between them ("Jan de
    Vries", "Anna van der Berg"). Further words count when capitalised; with lower_ok also in lower
    case ("jan de vries"), at most two and only up to a function word ("jan en ik woon hier").
    """
    first = _NAME_WORD_RE.match(text, start)
    if not first or first.group().lower() in _NAME_STOP_WORDS | _PARTICLE_WORDS:
        return None
    if not lower_ok and not _is_name_like(first.group()):
        return None
    end = first.end()
    lower_words = 0
    for _ in range(3):
        nxt = _next_name_part(text, end)
        if nxt is None:
            break
        word, word_end, particles = nxt
        if _CAPITALISED_NAME_RE.fullmatch(word) and word.lower() not in _NAME_STOP_WORDS:
            end = word_end
            continue
        if not lower_ok or lower_words >= 2 or not word.islower() or word in _NAME_STOP_WORDS:
            break
        # "jan in 't veld" is a name, "jan in de buurt" is not
        if particles[:1] and particles[0] in _PARTICLE_LEADS and particles[1] != "'t":
            break
        lower_words += 1
        end = word_end
    return end


def _next_name_part(text: str, pos: int) -> tuple[str, int, list[str]] | None:
    """The next name word after pos, skipping particles: (word, its end, the particles)."""
    particles: list[str] = []
    while True:
        nxt = _NEXT_NAME_WORD_RE.match(text, pos)
        if nxt is None:
            return None
        word = nxt.group(1)
        low = word.lower().replace("’", "'")
        leads_particle = low in _PARTICLE_LEADS and not particles
        if (low in _PARTICLE_WORDS or leads_particle) and len(particles) < 3:
            particles.append(low)
            pos = nxt.end()
            continue
        if low == "'t":
            return None
        if len(particles) == 1 and particles[0] in _PARTICLE_LEADS:
            return None  # "uit Colmschate": a lead word counts only before an article
        return word, nxt.end(), particles


def _is_name_like(word: str) -> bool:
    """A capitalised word that is no state, time, origin or place: "Jan", not "Bang" or "Turks"."""
    low = word.lower()
    return (
        bool(_CAPITALISED_NAME_RE.fullmatch(word))
        and low not in _NOT_NAMES
        and low not in _NAME_STOP_WORDS
        and not low.endswith(_NOT_NAME_ENDINGS)
    )


def _names(text: str, lowered: str) -> str:
    """Replaces a name after each cue; the cue itself stays ("ik heet [naam]")."""
    spans: list[tuple[int, int, str]] = []
    cues: list[tuple[int, bool]] = []
    if any(cue in lowered for cue in ("heet", "naam", "name", "groet", "mvg")):
        cues += [(m.end(), True) for m in _NAME_CUE_RE.finditer(text)]
    if "ben" in lowered:
        cues += [(m.end(), False) for m in _IK_BEN_RE.finditer(text)]
    cursor = 0
    for start, lower_ok in sorted(cues):
        if start < cursor:
            continue
        end = _name_end(text, start, lower_ok=lower_ok)
        if end is not None:
            spans.append((start, end, NAME))
            cursor = end
    return _replace_spans(text, spans)


# -- the scrubber ----------------------------------------------------------------------------

_DIGIT_RE = re.compile(r"\d")


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
        """Each kind in turn, the specific before the generic; kinds that need a character the
        text does not hold (an "@", a digit, a cue word) are skipped, which keeps a long message
        without numbers cheap."""
        lowered = text.lower()
        if _looks_like_email(lowered):
            text = _EMAIL_RE.sub(_email, text)
        text = _urls(text, lowered)
        if "@" in text:
            text = _ACCOUNT_RE.sub(ACCOUNT, text)
        if _DIGIT_RE.search(text):
            text = self._numbers(text, lowered)
        return _names(text, text.lower())

    def _numbers(self, text: str, lowered: str) -> str:
        """Everything that holds a digit: accounts, phones, dates, numbers, addresses, plates."""
        if "nl" in lowered:
            text = _IBAN_NL_RE.sub(IBAN, text)
        if not text.islower():  # other IBANs start with two capitals
            text = _IBAN_ANY_RE.sub(_iban, text)
        check = _PhoneCheck()
        text = _DIGIT_RUN_RE.sub(lambda m: _phones_in_run(m.group(), self.keep, check), text)
        text = _dates(text, lowered)
        text = _LONG_NUMBER_RE.sub(_long_number, text)
        text = _POSTCODE_NUMBER_RE.sub(_postcode_number, text)
        text = _POSTCODE_RE.sub(_postcode_only, text)  # before plates: 7411BR is a postcode
        text = _PLATE_RE.sub(_plate, text)
        return _addresses(text)


_DEFAULT = Scrubber()


def scrub(text: str, keep: Iterable[str] = ()) -> str:
    """Scrub one message; keep lists public numbers that may stay (e.g. the lines registry)."""
    scrubber = _DEFAULT if not keep else Scrubber.for_numbers(keep)
    return scrubber.scrub(text)
