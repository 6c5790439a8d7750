"""The content a police communications team edits, as typed and validated data.

Everything a resident reads comes from `content/*.yaml`. Loading is strict on purpose: a missing
source, an unknown reference or an unregistered phone number must stop a reload before it reaches
residents, with a message naming file, line and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content.yaml_lines import ContentError

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
    """Word lists for normalising resident chat text (see bot/core/text.py)."""

    vervangingen: dict[str, str] = Field(default_factory=dict)
    stopwoorden: list[str] = Field(default_factory=list)
    engelse_woorden: list[str] = Field(default_factory=list)
    nederlandse_woorden: list[str] = Field(default_factory=list)
    # Common words of the other languages residents write (bot/core/languages.py); Arabic and
    # Ukrainian are told by their script.
    talen: dict[Language, list[str]] = Field(default_factory=dict)
    # The wijkagent question (bot/core/wijkagent.py): words that make a message one, the lead-in
    # before an address ("wie is de wijkagent van ..."), and the prepositions after it.
    wijkagent_woorden: list[str] = Field(default_factory=list)
    adres_aanloop: list[str] = Field(default_factory=list)
    adres_voorzetsels: list[str] = Field(default_factory=list)
    # Parts of place names that are ordinary words ("noord", "dorp"): they say nothing of where.
    gewone_plaatswoorden: list[str] = Field(default_factory=list)


class OutOfScopeFile(_Model):
    """Messages the bot should not answer: a match here means "niet begrepen", honestly."""

    vragen: list[str] = Field(min_length=1)
    en: list[str] = Field(default_factory=list)


class UrgencyRule(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    soort: Literal["acuut", "acuut_als_nu", "anoniem", "misdrijf", "crisis"]
    gevaar: str | None = None  # the kind of danger (gevaar.yaml) an alarm of this rule is about
    max_woorden: int | None = None  # only in a message of at most this many words ("HELP!!")
    # What the rule is while the multilingual model decides beside it ("mes" alone: only with a
    # now-word); without the model it keeps `soort`, so the fallback loses no alarm.
    met_model: Literal["acuut_als_nu"] | None = None
    woorden: list[str] = Field(min_length=1)
    test: list[str] = Field(default_factory=list, description="messages this rule must catch")

    @model_validator(mode="after")
    def _relaxes_only_an_alarm(self) -> UrgencyRule:
        if self.met_model and self.soort != "acuut":
            raise ValueError(f"{self.id}: met_model only relaxes an acuut rule")
        return self


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


class FaqExample(_Model):
    """One resident question, labelled with its FAQ entry, that the intent model learns from."""

    tekst: str = Field(min_length=1)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # an FAQ id, or OUT_OF_SCOPE_ID
    taal: Language
    herkomst: str = ""  # the development set it was written for


class FaqExampleFile(_Model):
    voorbeelden: list[FaqExample] = Field(default_factory=list)


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
    # "Wat moet ik doen als ...": asked about danger the answer is 112, so it is not calmed as a
    # question (the what-if policy).
    als_vraag: list[str] = Field(default_factory=list)
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
    faq_examples: tuple[FaqExample, ...] = ()
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
    "faq_examples": "faq_voorbeelden.yaml",
}
OUT_OF_SCOPE_ID = "buiten_bereik"  # the label of a question the bot should not answer


class ContentErrors(Exception):
    """All problems found in a content directory; str() lists one per line."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
