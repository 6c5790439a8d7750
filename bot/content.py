"""The content a police communications team edits, as typed and validated data.

Everything a resident reads comes from `content/*.yaml`. Loading is strict on purpose: a missing
source, an unknown reference or an unregistered phone number must stop a reload before it reaches
residents, with a message naming file, line and field.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot import keys, yaml_lines
from bot.yaml_lines import ContentError

TELEGRAM_MAX_CHARS = 4096
LANGUAGES = ("nl", "en")  # every answer exists in these
SAFETY_LANGUAGES = ("nl", "en", "de", "tr", "pl", "ar", "uk")  # the alarm and the lines, too
Language = Literal["nl", "en", "de", "tr", "pl", "ar", "uk"]
EXAMPLE_KINDS = ("rustig", "anoniem", "misdrijf", "medisch", "brand", "vermist", "verkeer",
                 "paniek", "crisis_acuut", "crisis")  # fmt: skip
DANGER_KINDS = (
    "misdrijf", "medisch", "brand", "vermist", "verkeer", "paniek", "crisis_acuut", "crisis"
)  # fmt: skip

# A Dutch phone number as written in prose: 7 to 11 digits starting with 0, optionally split by
# spaces or dashes ("0900-8844", "088-786 73 72", "06-12345678", "0800-7000"). A date written
# as "01-02-2021" looks alike and is skipped. Short numbers (112, 144) are not checked here.
_PHONE_RE = re.compile(r"(?<![\d/])0\d{1,3}(?:[ -]?\d{2,4}){1,3}(?![\d/])")
_DATE_RE = re.compile(r"\d{2}-\d{2}-\d{4}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Sources = list[str]
# One phrasing per item so that an empty one is reported at its own line, not at the list's.
Phrasings = list[Annotated[str, Field(min_length=1)]]


class LineEn(_Model):
    label: str = Field(min_length=1)
    wanneer: str = Field(min_length=1)


class Line(_Model):
    """A phone line the bot may show; the only place a number is written down."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    nummer: str = Field(min_length=3)
    ook: list[str] = Field(default_factory=list)  # other numbers of the same line (0800-0113)
    wanneer: str = Field(min_length=1)
    web: str | None = None
    faq: str | None = None  # the entry that explains this line
    bron: Sources = Field(min_length=1)
    en: LineEn | None = None

    _list_bron = field_validator("bron", mode="before")(_as_list)

    @property
    def digits(self) -> str:
        return re.sub(r"\D", "", self.nummer)

    @property
    def all_digits(self) -> tuple[str, ...]:
        return (self.digits, *(re.sub(r"\D", "", n) for n in self.ook))

    def label_in(self, language: str) -> str:
        return self.en.label if language != "nl" and self.en else self.label


class FaqEn(_Model):
    titel: str = Field(min_length=1, max_length=40)
    vragen: Phrasings = Field(min_length=1)
    antwoord: str = Field(min_length=1)


Action = Literal["wijkagent", "politiebureau", "vergeet", "privacy", "menu"]


class FaqEntry(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    titel: str = Field(min_length=1, max_length=40)
    vragen: Phrasings = Field(min_length=1)
    trefwoorden: list[str] = Field(default_factory=list)
    antwoord: str = Field(min_length=1)
    lijnen: list[str] = Field(default_factory=list)
    zie_ook: list[str] = Field(default_factory=list)
    actie: Action | None = None
    bron: Sources = Field(min_length=1)
    en: FaqEn | None = None

    _list_bron = field_validator("bron", mode="before")(_as_list)

    def title_in(self, language: str) -> str:
        """English for every language but Dutch, where the entry has it (else Dutch)."""
        return self.en.titel if language != "nl" and self.en else self.titel

    def answer_in(self, language: str) -> str:
        return self.en.antwoord if language != "nl" and self.en else self.antwoord


class Wijkagent(_Model):
    naam: str = Field(min_length=1)
    per: str = Field(min_length=4, description="date of the knowledge, e.g. 2026-11-01")
    url: str | None = None
    bron: Sources = Field(min_length=1)

    _list_bron = field_validator("bron", mode="before")(_as_list)


class Buurt(_Model):
    code: str = Field(pattern=r"^BU0150\d{4}$")
    naam: str = Field(min_length=1)
    namen: list[str] = Field(default_factory=list)


class Wijk(_Model):
    code: str = Field(pattern=r"^WK0150\d{2}$")
    naam: str = Field(min_length=1)
    cbs_naam: str = Field(min_length=1)
    soort: Literal["stad", "dorp"]
    namen: list[str] = Field(default_factory=list)
    postcodes: list[str] = Field(default_factory=list)
    wijkagenten: list[Wijkagent] = Field(default_factory=list)
    buurten: list[Buurt] = Field(min_length=1)

    @field_validator("postcodes", mode="before")
    @classmethod
    def _pc4_strings(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("postcodes")
    @classmethod
    def _pc4(cls, value: list[str]) -> list[str]:
        for pc in value:
            if not re.fullmatch(r"\d{4}", pc):
                raise ValueError(f"postcode {pc!r} is not four digits")
        return value


class Station(_Model):
    naam: str = Field(min_length=1)
    adres: str = Field(min_length=1)
    lat: float
    lon: float
    url: str
    per: str
    bron: Sources = Field(min_length=1)

    _list_bron = field_validator("bron", mode="before")(_as_list)


class DistrictFile(_Model):
    bron_indeling: str = Field(min_length=1)
    bron_bestand: str = Field(min_length=1)
    bron_postcodes: str = Field(min_length=1)
    stand: str
    wijken: list[Wijk] = Field(min_length=1)
    politiebureau: Station


class LineFile(_Model):
    lijnen: list[Line] = Field(min_length=1)


class FaqFile(_Model):
    versie: str
    vragen: list[FaqEntry] = Field(min_length=1)


class TextFile(_Model):
    """UI wording: every key has a Dutch and an English text."""

    teksten: dict[str, dict[Language, str]]


class LanguageFile(_Model):
    """Word lists for normalising resident chat text (see bot/text.py)."""

    vervangingen: dict[str, str] = Field(default_factory=dict)
    stopwoorden: list[str] = Field(default_factory=list)
    engelse_woorden: list[str] = Field(default_factory=list)
    nederlandse_woorden: list[str] = Field(default_factory=list)
    # Common words of the other languages residents write (bot/languages.py); Arabic and
    # Ukrainian are told by their script.
    talen: dict[Language, list[str]] = Field(default_factory=dict)


class OutOfScopeFile(_Model):
    """Messages the bot should not answer: a match here means "niet begrepen", honestly."""

    vragen: list[str] = Field(min_length=1)
    en: list[str] = Field(default_factory=list)


class UrgencyRule(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    soort: Literal["acuut", "acuut_als_nu", "anoniem", "misdrijf", "crisis"]
    gevaar: str | None = None  # the kind of danger (gevaar.yaml) an alarm of this rule is about
    max_woorden: int | None = None  # only in a message of at most this many words ("HELP!!")
    woorden: list[str] = Field(min_length=1)
    test: list[str] = Field(default_factory=list, description="messages this rule must catch")


class DangerKind(_Model):
    """A kind of danger: whether it opens with the alarm, and what to do now (sourced)."""

    id: Literal[DANGER_KINDS]  # type: ignore[valid-type]
    alarm: bool
    lijnen: list[str] = Field(default_factory=list)
    knop: dict[Literal["nl", "en"], Annotated[str, Field(min_length=1, max_length=60)]]
    wat_nu: dict[Literal["nl", "en"], Annotated[str, Field(min_length=1)]]
    bron: Sources = Field(min_length=1)


class DangerFile(_Model):
    soorten: list[DangerKind] = Field(min_length=1)


class SafetyExample(_Model):
    """One labelled message the safety classifier learns from."""

    tekst: str = Field(min_length=1)
    soort: Literal[EXAMPLE_KINDS]  # type: ignore[valid-type]
    taal: Language
    waarom: str = ""


class ExampleFile(_Model):
    voorbeelden: list[SafetyExample] = Field(min_length=1)


class UrgencyFile(_Model):
    regels: list[UrgencyRule] = Field(min_length=1)
    nu_woorden: list[str] = Field(min_length=1)
    sterk_nu: list[str] = Field(min_length=1)
    voorbij_woorden: list[str] = Field(min_length=1)
    zwak_voorbij: list[str] = Field(default_factory=list)
    kalm_woorden: list[str] = Field(default_factory=list)
    persoon_woorden: list[str] = Field(default_factory=list)
    geen_tikfout: list[str] = Field(default_factory=list)
    vraag_woorden: list[str] = Field(min_length=1)
    hypothetisch: list[str] = Field(default_factory=list)
    dier_woorden: list[str] = Field(default_factory=list)
    niet_acuut: list[str] = Field(default_factory=list)
    anoniem_kalmeert: list[str] = Field(default_factory=list)
    voorkeur: dict[Literal["anoniem", "misdrijf"], dict[str, float]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Content:
    """Everything loaded from one content directory, already validated."""

    directory: Path
    version: str
    lines: dict[str, Line]
    faq: tuple[FaqEntry, ...]
    districts: DistrictFile
    texts: dict[str, dict[str, str]]
    language: LanguageFile
    urgency: UrgencyFile
    out_of_scope: OutOfScopeFile
    dangers: dict[str, DangerKind]
    examples: tuple[SafetyExample, ...]
    _by_id: dict[str, FaqEntry] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in reversed(self.faq)})  # first wins

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def text(self, key: str, language: str = "nl", **values: Any) -> str:
        """A UI text in the user's language; else English for a language other than Dutch
        (a Turkish speaker reads English more likely than Dutch), else Dutch."""
        variants = self.texts[key]
        fallback = variants.get("en") if language != "nl" else None
        template = variants.get(language) or fallback or variants["nl"]
        return template.format(**values) if values else template

    def line_by_number(self, number: str) -> Line | None:
        digits = re.sub(r"\D", "", number)
        return next((line for line in self.lines.values() if line.digits == digits), None)


FILES = {
    "lines": "lijnen.yaml",
    "faq": "faq.yaml",
    "districts": "wijken.yaml",
    "texts": "teksten.yaml",
    "language": "taal.yaml",
    "urgency": "urgentie.yaml",
    "out_of_scope": "buiten_bereik.yaml",
    "dangers": "gevaar.yaml",
    "examples": "veiligheid_voorbeelden.yaml",
}


def _validate(model: type[BaseModel], data: Any, file: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = _field_name(data, loc)
            errors.append(ContentError(file, yaml_lines.line_of(data, loc), field, err["msg"]))
        raise ContentErrors(errors) from exc


def _field_name(data: Any, loc: tuple[Any, ...]) -> str:
    """'vragen.inbraak.bron' rather than 'vragen.7.bron': operators know entries by id."""
    parts: list[str] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        item = node[part] if in_dict or in_list else None
        named = isinstance(part, int) and isinstance(item, dict) and isinstance(item.get("id"), str)
        parts.append(item["id"] if named else str(part))
        node = item
    return ".".join(parts)


class ContentErrors(Exception):
    """All problems found in a content directory; str() lists one per line."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _phone_numbers(text: str) -> Iterable[str]:
    for match in _PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 7 <= len(digits) <= 11 and not _DATE_RE.fullmatch(match.group()):
            yield match.group()


def _check_cross_references(
    faq: FaqFile, faq_raw: Any, lines: dict[str, Line], file: str
) -> list[ContentError]:
    """Rules that span entries or files: unique ids, known references, registered numbers."""
    errors: list[ContentError] = []
    known_digits = {d for line in lines.values() for d in line.all_digits}
    seen: set[str] = set()
    ids = {e.id for e in faq.vragen}
    for index, entry in enumerate(faq.vragen):

        def err(field: str, message: str, *sub: Any, _i: int = index, _id: str = entry.id) -> None:
            loc = ("vragen", _i, field, *sub)
            name = ".".join([_id, field, *map(str, sub)])
            errors.append(ContentError(file, yaml_lines.line_of(faq_raw, loc), name, message))

        if entry.id in seen:
            err("id", f"duplicate id {entry.id!r}")
        seen.add(entry.id)
        for i, ref in enumerate(entry.zie_ook):
            if ref not in ids:
                err("zie_ook", f"unknown entry {ref!r}", i)
            elif ref == entry.id:
                err("zie_ook", "an entry cannot refer to itself", i)
        for i, ref in enumerate(entry.lijnen):
            if ref not in lines:
                err("lijnen", f"unknown line {ref!r} (see lijnen.yaml)", i)
        answers: list[tuple[str, tuple[str, ...], str]] = [("antwoord", (), entry.antwoord)]
        if entry.en:
            answers.append(("en", ("antwoord",), entry.en.antwoord))
        for field, sub, answer in answers:
            if len(answer) > TELEGRAM_MAX_CHARS:
                err(
                    field,
                    f"answer is {len(answer)} characters; Telegram allows {TELEGRAM_MAX_CHARS}",
                    *sub,
                )
            for number in _phone_numbers(answer):
                if re.sub(r"\D", "", number) not in known_digits:
                    message = f"phone number {number!r} is not in the line registry (lijnen.yaml)"
                    err(field, message, *sub)
    return errors


def _check_districts(districts: DistrictFile, raw: Any, file: str) -> list[ContentError]:
    errors: list[ContentError] = []
    codes: set[str] = set()
    postcodes: set[str] = set()
    for wi, wijk in enumerate(districts.wijken):
        for bi, buurt in enumerate(wijk.buurten):
            if not buurt.code.startswith("BU" + wijk.code[2:]):
                line = yaml_lines.line_of(raw, ("wijken", wi, "buurten", bi, "code"))
                errors.append(
                    ContentError(
                        file, line, f"{wijk.code}.buurten", f"{buurt.code} is not in {wijk.code}"
                    )
                )
        for code in [wijk.code, *(b.code for b in wijk.buurten)]:
            if code in codes:
                line = yaml_lines.line_of(raw, ("wijken", wi))
                errors.append(ContentError(file, line, wijk.code, f"duplicate code {code}"))
            codes.add(code)
        for pi, pc in enumerate(wijk.postcodes):
            if pc in postcodes:
                line = yaml_lines.line_of(raw, ("wijken", wi, "postcodes", pi))
                errors.append(
                    ContentError(file, line, f"{wijk.code}.postcodes", f"{pc} in two wijken")
                )
            postcodes.add(pc)
    return errors


MISSING_TEXT = "missing text (the code uses this key)"


def _check_texts(
    texts: TextFile, raw: Any, lines: dict[str, Line], file: str
) -> list[ContentError]:
    """Every key the code names, in both languages, with only placeholders the code fills."""
    errors: list[ContentError] = []

    def err(loc: tuple[Any, ...], field: str, message: str) -> None:
        errors.append(ContentError(file, yaml_lines.line_of(raw, loc), field, message))

    for name, spec in keys.TEXTS.items():
        variants = texts.teksten.get(name)
        if variants is None:
            errors.append(
                ContentError(file, getattr(raw, "line", None), f"teksten.{name}", MISSING_TEXT)
            )
            continue
        for language in spec.languages:
            if language not in variants:
                err(("teksten", name), f"teksten.{name}.{language}", "missing text")
        for language, template in variants.items():
            loc = ("teksten", name, language)
            for problem in _template_problems(template, spec, lines):
                err(loc, f"teksten.{name}.{language}", problem)
    known_digits = {d for line in lines.values() for d in line.all_digits}
    for name, variants in texts.teksten.items():
        for language, value in variants.items():
            for number in _phone_numbers(value):
                if re.sub(r"\D", "", number) not in known_digits:
                    err(
                        ("teksten", name, language),
                        f"teksten.{name}.{language}",
                        f"phone number {number!r} is not in the line registry",
                    )
    return errors


def _template_problems(template: str, spec: keys.TextKey, lines: dict[str, Line]) -> list[str]:
    """Why `template` would fail or mislead when the code fills it; [] when it is sound."""
    try:
        fields = [
            (name, spec_, conversion)
            for _, name, spec_, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return [f"cannot be filled ({exc}); write a literal brace as {{{{ or }}}}"]
    allowed = set(spec.values) | (set(lines) if spec.lines else set())
    problems = []
    for name, format_spec, conversion in fields:
        if name not in allowed:
            known = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
            problems.append(f"unknown placeholder {{{name}}} (this text may use: {known})")
        elif format_spec or conversion:
            problems.append(f"placeholder {{{name}}} must be plain, without ':' or '!'")
    if problems:
        return problems
    filled = template.format(**{n: lines[n].nummer if n in lines else "x" for n in allowed})
    for line_id in spec.shows:
        if line_id in lines and lines[line_id].nummer not in filled:
            problems.append(f"must show {lines[line_id].nummer} (write {{{line_id}}})")
    return problems


def _check_urgency(urgency: UrgencyFile, raw: Any, file: str, faq: FaqFile) -> list[ContentError]:
    errors: list[ContentError] = []
    ids = {e.id for e in faq.vragen}
    for kind, preferred in urgency.voorkeur.items():
        for entry_id in preferred:
            if entry_id not in ids:
                line = yaml_lines.line_of(raw, ("voorkeur", kind, entry_id))
                errors.append(
                    ContentError(file, line, f"voorkeur.{kind}", f"unknown entry {entry_id!r}")
                )
    seen: set[str] = set()
    for i, rule in enumerate(urgency.regels):
        if rule.id in seen:
            line = yaml_lines.line_of(raw, ("regels", i, "id"))
            errors.append(
                ContentError(file, line, f"regels.{rule.id}", f"duplicate id {rule.id!r}")
            )
        seen.add(rule.id)
    for path, field, pattern in _urgency_patterns(urgency):
        if _lopsided_alternatives(pattern):
            line = yaml_lines.line_of(raw, path)
            errors.append(ContentError(file, line, field, f"{pattern!r}: {LOPSIDED}"))
    for i, rule_id in enumerate(urgency.anoniem_kalmeert):
        if rule_id not in seen:
            line = yaml_lines.line_of(raw, ("anoniem_kalmeert", i))
            errors.append(ContentError(file, line, "anoniem_kalmeert", f"unknown rule {rule_id!r}"))
    return errors


LOPSIDED = (
    "'|' separates whole phrases, so a lone word after a phrase matches on its own; "
    "write every alternative in full"
)
PATTERN_LISTS = (
    "nu_woorden",
    "sterk_nu",
    "voorbij_woorden",
    "zwak_voorbij",
    "kalm_woorden",
    "persoon_woorden",
    "vraag_woorden",
    "hypothetisch",
    "dier_woorden",
)


def _urgency_patterns(urgency: UrgencyFile) -> Iterable[tuple[tuple[Any, ...], str, str]]:
    """Every pattern in urgentie.yaml with its YAML path and the field name errors use."""
    for i, rule in enumerate(urgency.regels):
        for j, pattern in enumerate(rule.woorden):
            yield ("regels", i, "woorden", j), f"regels.{rule.id}.woorden", pattern
    for name in PATTERN_LISTS:
        for j, pattern in enumerate(getattr(urgency, name)):
            yield (name, j), name, pattern


def _lopsided_alternatives(pattern: str) -> bool:
    """True for "in mijn keuken|huis": the writer meant "in mijn huis", the rule reads "huis"."""
    for part in pattern.split("+"):
        alternatives = [a.split() for a in part.split("|")]
        if len(alternatives[0]) > 1 and any(len(a) == 1 for a in alternatives[1:]):
            return True
    return False


def _check_dangers(
    dangers: DangerFile, raw: Any, lines: dict[str, Line], urgency: UrgencyFile, files: Any
) -> list[ContentError]:
    """Every kind once, known lines, registered numbers; every rule's gevaar a known kind."""
    errors: list[ContentError] = []
    file = FILES["dangers"]
    known_digits = {d for line in lines.values() for d in line.all_digits}
    seen = [kind.id for kind in dangers.soorten]
    for i, kind in enumerate(dangers.soorten):
        where = yaml_lines.line_of(raw, ("soorten", i))
        if seen.count(kind.id) > 1:
            errors.append(ContentError(file, where, f"soorten.{kind.id}", "duplicate kind"))
        for line_id in kind.lijnen:
            if line_id not in lines:
                errors.append(
                    ContentError(
                        file, where, f"soorten.{kind.id}.lijnen", f"unknown line {line_id!r}"
                    )
                )
        for language, text in kind.wat_nu.items():
            for number in _phone_numbers(text):
                if re.sub(r"\D", "", number) not in known_digits:
                    message = f"phone number {number!r} is not in the line registry"
                    errors.append(
                        ContentError(file, where, f"soorten.{kind.id}.wat_nu.{language}", message)
                    )
    for missing in sorted(set(DANGER_KINDS) - set(seen)):
        errors.append(ContentError(file, None, "soorten", f"kind {missing!r} is missing"))
    for i, rule in enumerate(urgency.regels):
        if rule.gevaar is not None and rule.gevaar not in DANGER_KINDS:
            where = yaml_lines.line_of(files["urgency"], ("regels", i, "gevaar"))
            errors.append(
                ContentError(
                    FILES["urgency"],
                    where,
                    f"regels.{rule.id}.gevaar",
                    f"unknown kind {rule.gevaar!r}",
                )
            )
    return errors


MIN_EXAMPLES = 5  # per kind: fewer and the classifier cannot learn the kind


def _check_examples(examples: ExampleFile, raw: Any, file: str) -> list[ContentError]:
    """No example twice (with two labels it would teach both), every kind learnable."""
    errors: list[ContentError] = []
    labels: dict[str, str] = {}
    for i, example in enumerate(examples.voorbeelden):
        text = " ".join(example.tekst.lower().split())
        if text in labels:
            where = yaml_lines.line_of(raw, ("voorbeelden", i))
            errors.append(
                ContentError(
                    file, where, "voorbeelden.tekst", f"duplicate example {example.tekst!r}"
                )
            )
        labels[text] = example.soort
    counts = {kind: 0 for kind in EXAMPLE_KINDS}
    for example in examples.voorbeelden:
        counts[example.soort] += 1
    for kind, count in counts.items():
        if count < MIN_EXAMPLES:
            message = f"kind {kind!r} has {count} example(s); it needs at least {MIN_EXAMPLES}"
            errors.append(ContentError(file, None, "voorbeelden", message))
    return errors


PARSED = Path(__file__).resolve().parent / "prebuilt" / "yaml"  # shipped parses (bot/semantic.py)


def load_content(directory: Path, cache: Path | None = None) -> Content:
    """Load and validate every content file; raise ContentErrors listing all problems found.

    cache: a folder (in the data directory) for parses of edited files, so the next start is
    fast too; the shipped content's parses ship with the package.
    """
    caches = [PARSED, *([cache] if cache is not None else [])]
    try:
        return _load(Path(directory), caches, cache)
    except ContentErrors as exc:
        # Again, the files with errors from their YAML, so that the errors name their lines.
        strict = {e.file for e in exc.errors}
        return _load(Path(directory), caches, None, strict)


def _load(
    directory: Path, caches: list[Path], write: Path | None, strict: set[str] = frozenset()
) -> Content:
    raw: dict[str, Any] = {}
    errors: list[ContentError] = []
    for key, name in FILES.items():
        try:
            raw[key] = yaml_lines.load(directory / name, [] if name in strict else caches, write)
        except ContentError as exc:
            errors.append(exc)
    if errors:
        raise ContentErrors(errors)

    models = {
        "lines": LineFile,
        "faq": FaqFile,
        "districts": DistrictFile,
        "texts": TextFile,
        "language": LanguageFile,
        "urgency": UrgencyFile,
        "out_of_scope": OutOfScopeFile,
        "dangers": DangerFile,
        "examples": ExampleFile,
    }
    parsed: dict[str, Any] = {}
    for key, model in models.items():
        try:
            parsed[key] = _validate(model, raw[key], FILES[key])
        except ContentErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise ContentErrors(errors)

    lines: dict[str, Line] = {}
    for i, line in enumerate(parsed["lines"].lijnen):
        if line.id in lines:
            where = yaml_lines.line_of(raw["lines"], ("lijnen", i, "id"))
            errors.append(ContentError(FILES["lines"], where, f"lijnen.{line.id}", "duplicate id"))
        lines[line.id] = line
    faq_ids = {e.id for e in parsed["faq"].vragen}
    for i, line in enumerate(parsed["lines"].lijnen):
        if line.faq and line.faq not in faq_ids:
            where = yaml_lines.line_of(raw["lines"], ("lijnen", i, "faq"))
            errors.append(
                ContentError(
                    FILES["lines"], where, f"lijnen.{line.id}.faq", f"unknown entry {line.faq!r}"
                )
            )
    for required in sorted(keys.LINE_IDS):
        if required not in lines:
            errors.append(
                ContentError(
                    FILES["lines"],
                    None,
                    "lijnen",
                    f"line {required!r} is required",
                )
            )
    for entry_id in sorted(keys.FAQ_IDS - faq_ids):
        errors.append(
            ContentError(
                FILES["faq"], None, "vragen", f"entry {entry_id!r} is required (the code uses it)"
            )
        )
    errors += _check_cross_references(parsed["faq"], raw["faq"], lines, FILES["faq"])
    errors += _check_districts(parsed["districts"], raw["districts"], FILES["districts"])
    errors += _check_texts(parsed["texts"], raw["texts"], lines, FILES["texts"])
    errors += _check_urgency(parsed["urgency"], raw["urgency"], FILES["urgency"], parsed["faq"])
    errors += _check_dangers(parsed["dangers"], raw["dangers"], lines, parsed["urgency"], raw)
    errors += _check_examples(parsed["examples"], raw["examples"], FILES["examples"])
    if errors:
        raise ContentErrors(errors)

    return Content(
        directory=directory,
        version=parsed["faq"].versie,
        lines=lines,
        faq=tuple(parsed["faq"].vragen),
        districts=parsed["districts"],
        texts={k: dict(v) for k, v in parsed["texts"].teksten.items()},
        language=parsed["language"],
        urgency=parsed["urgency"],
        out_of_scope=parsed["out_of_scope"],
        dangers={kind.id: kind for kind in parsed["dangers"].soorten},
        examples=tuple(parsed["examples"].voorbeelden),
    )
