"""Checks across content files that a schema cannot express: references, text keys and
placeholders, phone numbers named as lines, rule patterns, danger kinds and examples.

Why apart from the models: each check reads like the rule an editor must follow, and `wijkbot
check`, a reload and the start all run the same list (`check_all`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from typing import Any

from bot.content import keys, yaml_lines
from bot.content.model import (
    DANGER_KINDS,
    EXAMPLE_KINDS,
    FILES,
    OUT_OF_SCOPE_ID,
    TELEGRAM_MAX_CHARS,
    DangerFile,
    DistrictFile,
    ExampleFile,
    FaqExampleFile,
    FaqFile,
    Line,
    LineFile,
    TextFile,
    UrgencyFile,
)
from bot.content.yaml_lines import ContentError

_PHONE_RE = re.compile(r"(?<![\d/])0\d{1,3}(?:[ -]?\d{2,4}){1,3}(?![\d/])")
_DATE_RE = re.compile(r"\d{2}-\d{2}-\d{4}")


def check_all(
    parsed: dict[str, Any], raw: dict[str, Any]
) -> tuple[dict[str, Line], list[ContentError]]:
    """The lines by id and every problem found across the parsed files."""
    lines, errors = _check_lines(parsed["lines"], raw["lines"], parsed["faq"])
    errors += _check_cross_references(parsed["faq"], raw["faq"], lines, FILES["faq"])
    errors += _check_districts(parsed["districts"], raw["districts"], FILES["districts"])
    errors += _check_texts(parsed["texts"], raw["texts"], lines, FILES["texts"])
    errors += _check_urgency(parsed["urgency"], raw["urgency"], FILES["urgency"], parsed["faq"])
    errors += _check_dangers(parsed["dangers"], raw["dangers"], lines, parsed["urgency"], raw)
    errors += _check_examples(parsed["examples"], raw["examples"], FILES["examples"])
    errors += _check_faq_examples(parsed["faq_examples"], raw["faq_examples"], parsed["faq"])
    return lines, errors


def _check_lines(
    line_file: LineFile, raw: Any, faq: FaqFile
) -> tuple[dict[str, Line], list[ContentError]]:
    """Unique line ids, known FAQ entries, and every line and entry id the code names."""
    file = FILES["lines"]
    errors: list[ContentError] = []
    lines: dict[str, Line] = {}
    for i, line in enumerate(line_file.lijnen):
        if line.id in lines:
            where = yaml_lines.line_of(raw, ("lijnen", i, "id"))
            errors.append(ContentError(file, where, f"lijnen.{line.id}", "duplicate id"))
        lines[line.id] = line
    faq_ids = {e.id for e in faq.vragen}
    for i, line in enumerate(line_file.lijnen):
        if line.faq and line.faq not in faq_ids:
            where = yaml_lines.line_of(raw, ("lijnen", i, "faq"))
            message = f"unknown entry {line.faq!r}"
            errors.append(ContentError(file, where, f"lijnen.{line.id}.faq", message))
    for required in sorted(keys.LINE_IDS - set(lines)):
        errors.append(ContentError(file, None, "lijnen", f"line {required!r} is required"))
    for entry_id in sorted(keys.FAQ_IDS - faq_ids):
        message = f"entry {entry_id!r} is required (the code uses it)"
        errors.append(ContentError(FILES["faq"], None, "vragen", message))
    return lines, errors


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


def _check_faq_examples(examples: FaqExampleFile, raw: Any, faq: FaqFile) -> list[ContentError]:
    """Every label an FAQ id (or out of scope), no question twice with two labels."""
    file = FILES["faq_examples"]
    known = {e.id for e in faq.vragen} | {OUT_OF_SCOPE_ID}
    errors: list[ContentError] = []
    labels: dict[str, str] = {}
    for i, example in enumerate(examples.voorbeelden):
        text = " ".join(example.tekst.lower().split())
        problem = None
        if example.id not in known:
            problem = f"unknown FAQ id {example.id!r}"
        elif labels.get(text, example.id) != example.id:
            problem = f"{example.tekst!r} is also labelled {labels[text]!r}"
        labels.setdefault(text, example.id)
        if problem:
            where = yaml_lines.line_of(raw, ("voorbeelden", i))
            errors.append(ContentError(file, where, "voorbeelden.id", problem))
    return errors
