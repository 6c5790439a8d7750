"""Content validation: the shipped content loads, and each kind of mistake an operator can make
is rejected with a message that names the file, the line and the field to fix.

Every broken case edits a private copy of content/ (see the `content_copy` fixture) with an exact
text replacement, so a change to the shipped wording that moves the anchor fails loudly here
instead of silently testing nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.load import load_content
from bot.content.model import TELEGRAM_MAX_CHARS, Content, ContentErrors
from bot.content.yaml_lines import ContentError

ENTRY = "wijkagent_taken"  # not the first entry, so "line 1 of the list" cannot pass by luck


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"anchor {old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_with(path: Path, needle: str) -> int:
    """The 1-based number of the one line containing needle."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of {path.name}"
    return hits[0]


def entry_key_line(path: Path, entry_id: str, key: str, indent: int = 4) -> int:
    """The line of `key:` inside the FAQ entry entry_id (the first one after its id)."""
    lines = path.read_text().splitlines()
    start = lines.index(f"  - id: {entry_id}")
    prefix = " " * indent + f"{key}:"
    return next(n for n in range(start, len(lines)) if lines[n].startswith(prefix)) + 1


def replace_block(path: Path, entry_id: str, key: str, new: list[str], indent: int = 4) -> int:
    """Replaces `key:` and everything indented under it in one entry; returns its line."""
    lines = path.read_text().splitlines()
    first = entry_key_line(path, entry_id, key, indent) - 1
    end = first + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    lines[first:end] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return first + 1


def errors_in(directory: Path) -> list[ContentError]:
    with pytest.raises(ContentErrors) as caught:
        load_content(directory)
    return caught.value.errors


def the_error(errors: list[ContentError], file: str, line: int, field: str) -> ContentError:
    """The error at file:line whose field mentions `field`; fails listing what was found."""
    found = [e for e in errors if e.file == file and e.line == line and field in e.field]
    assert found, f"no error for {file}:{line} [{field}] in:\n" + "\n".join(map(str, errors))
    error = found[0]
    assert str(error).startswith(f"{file}:{line} [")
    return error


# -- the shipped content ------------------------------------------------------------------------


def test_shipped_content_loads(content: Content) -> None:
    assert len(content.faq) >= 33
    assert {"spoed", "geen_spoed", "bel_m"} <= set(content.lines)
    assert content.lines["spoed"].nummer == "112"
    assert content.lines["geen_spoed"].nummer == "0900-8844"
    assert content.lines["bel_m"].nummer == "0800-7000"
    assert len(content.districts.wijken) == 15
    assert sum(len(w.buurten) for w in content.districts.wijken) == 69
    assert content.entry(ENTRY) is not None


def test_an_unbroken_copy_loads(content_copy: Path) -> None:
    """The copying itself does not break anything, so the failures below are the edits'."""
    assert load_content(content_copy).version


# -- one test per kind of mistake ---------------------------------------------------------------


def test_yaml_syntax_error(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    edit(faq, "    titel: Wat doet een wijkagent?\n", "    titel: Wat doet: een wijkagent?\n")
    line = line_with(faq, "Wat doet: een wijkagent?")
    [error] = errors_in(content_copy)
    assert (error.file, error.line) == ("faq.yaml", line)
    assert "YAML error" in error.message
    assert "mapping values are not allowed" in error.message


def test_duplicate_faq_id(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    edit(faq, f"  - id: {ENTRY}\n", "  - id: wijkagent_wie\n")
    second = [
        n for n, t in enumerate(faq.read_text().splitlines(), 1) if t == "  - id: wijkagent_wie"
    ]
    error = the_error(errors_in(content_copy), "faq.yaml", second[1], "wijkagent_wie.id")
    assert "duplicate id" in error.message


def test_duplicate_yaml_key(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    edit(
        faq,
        "    titel: Wat doet een wijkagent?\n",
        "    titel: Wat doet een wijkagent?\n    titel: Taken van de wijkagent\n",
    )
    [error] = errors_in(content_copy)
    assert (error.file, error.line) == ("faq.yaml", line_with(faq, "Taken van de wijkagent"))
    assert "duplicate key 'titel'" in error.message


def test_unknown_zie_ook_reference(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    edit(
        faq,
        "zie_ook: [wijkagent_wie, wijkteam_deventer, burenruzie]",
        "zie_ook: [wijkagent_wie, bestaat_niet, burenruzie]",
    )
    line = line_with(faq, "bestaat_niet")
    error = the_error(errors_in(content_copy), "faq.yaml", line, f"{ENTRY}.zie_ook")
    assert "bestaat_niet" in error.message


def test_unknown_lijnen_reference(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    line = replace_block(faq, ENTRY, "lijnen", ["    lijnen: [geen_spoed, politie_direct]"])
    error = the_error(errors_in(content_copy), "faq.yaml", line, f"{ENTRY}.lijnen")
    assert "politie_direct" in error.message


def test_empty_antwoord(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    line = replace_block(faq, ENTRY, "antwoord", ['    antwoord: "  "'])
    error = the_error(errors_in(content_copy), "faq.yaml", line, f"{ENTRY}.antwoord")
    assert "at least 1 character" in error.message


def test_empty_phrasing(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    edit(faq, "      - waar is een wijkagent voor\n", '      - ""\n')
    line = entry_key_line(faq, ENTRY, "vragen") + 3  # the third phrasing, not the list's line
    assert faq.read_text().splitlines()[line - 1] == '      - ""'
    the_error(errors_in(content_copy), "faq.yaml", line, f"vragen.{ENTRY}.vragen.2")


def test_empty_english_phrasing(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    edit(faq, "        - what is a community police officer for\n", "        - \n")
    line = line_with(faq, "        - what does a wijkagent do") + 1
    the_error(errors_in(content_copy), "faq.yaml", line, f"{ENTRY}.en.vragen.1")


def test_missing_bron(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    replace_block(faq, ENTRY, "bron", [])
    entry_line = line_with(faq, f"  - id: {ENTRY}")
    error = the_error(errors_in(content_copy), "faq.yaml", entry_line, f"vragen.{ENTRY}.bron")
    assert "required" in error.message.lower()


@pytest.mark.parametrize("number", ["06-12345678", "0612345678", "020-5551234", "0800-1234"])
def test_unregistered_phone_number_in_answer(content_copy: Path, number: str) -> None:
    faq = content_copy / "faq.yaml"
    edit(
        faq,
        "      De wijkagent maakt vooral tijd",
        f"      Bel de wijkagent op {number}. De wijkagent maakt vooral tijd",
    )
    line = entry_key_line(faq, ENTRY, "antwoord")
    error = the_error(errors_in(content_copy), "faq.yaml", line, f"{ENTRY}.antwoord")
    assert number in error.message
    assert "lijnen.yaml" in error.message


def test_unregistered_phone_number_in_english_answer(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    line = replace_block(
        faq, ENTRY, "antwoord", ["      antwoord: Call the officer on 020 555 1234."], indent=6
    )
    the_error(errors_in(content_copy), "faq.yaml", line, f"{ENTRY}.en.antwoord")


def test_unregistered_phone_number_in_texts(content_copy: Path) -> None:
    texts = content_copy / "teksten.yaml"
    edit(
        texts,
        '    nl: "Ik zie geen vraag.',
        '    nl: "Bel 06-12345678. Ik zie geen vraag.',
    )
    line = line_with(texts, "06-12345678")
    the_error(errors_in(content_copy), "teksten.yaml", line, "teksten.leeg.nl")


def test_registered_numbers_and_dates_are_not_phone_numbers(content_copy: Path) -> None:
    """The number check must not reject the real lines or a date written with dashes."""
    faq = content_copy / "faq.yaml"
    edit(
        faq,
        "      De wijkagent maakt vooral tijd",
        "      Sinds 01-01-2021, bel 088-786 73 72 of 0800-2000. De wijkagent maakt vooral tijd",
    )
    assert load_content(content_copy).entry(ENTRY) is not None


def test_answer_longer_than_telegram_allows(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"
    long_answer = "Doe aangifte via politie.nl. " * (TELEGRAM_MAX_CHARS // 29 + 2)
    assert len(long_answer) > TELEGRAM_MAX_CHARS
    line = replace_block(faq, ENTRY, "antwoord", [f"    antwoord: {long_answer.strip()}"])
    error = the_error(errors_in(content_copy), "faq.yaml", line, f"{ENTRY}.antwoord")
    assert str(TELEGRAM_MAX_CHARS) in error.message


def test_missing_required_text(content_copy: Path) -> None:
    texts = content_copy / "teksten.yaml"
    text = texts.read_text()
    start = text.index("\n  leeg:\n") + 1
    end = text.index("\n  ", text.index("    en:", start)) + 1
    texts.write_text(text[:start] + text[end:])
    error = the_error(errors_in(content_copy), "teksten.yaml", line_with(texts, "teksten:"), "leeg")
    assert error.field == "teksten.leeg"
    assert "missing" in error.message


def test_missing_dutch_text(content_copy: Path) -> None:
    texts = content_copy / "teksten.yaml"
    edit(texts, '    nl: "Ik zie geen vraag.', '    xx: "Ik zie geen vraag.')
    errors = errors_in(content_copy)
    assert any(e.file == "teksten.yaml" and "leeg" in e.field for e in errors), errors


def test_duplicate_line_id(content_copy: Path) -> None:
    lijnen = content_copy / "lijnen.yaml"
    edit(lijnen, "  - id: veilig_thuis\n", "  - id: bel_m\n")
    second = [n for n, t in enumerate(lijnen.read_text().splitlines(), 1) if t == "  - id: bel_m"]
    error = the_error(errors_in(content_copy), "lijnen.yaml", second[1], "bel_m")
    assert "duplicate" in error.message


def test_all_errors_are_reported_at_once(content_copy: Path) -> None:
    """An operator fixes a batch in one go rather than one error per `wijkbot check` run."""
    faq = content_copy / "faq.yaml"
    replace_block(faq, ENTRY, "lijnen", ["    lijnen: [politie_direct]"])
    edit(faq, "zie_ook: [wijkagent_wie, wijkteam_deventer, burenruzie]", "zie_ook: [nergens]")
    fields = {e.field for e in errors_in(content_copy)}
    assert {f"{ENTRY}.lijnen.0", f"{ENTRY}.zie_ook.0"} <= fields


def test_unknown_rule_in_anoniem_kalmeert(content_copy: Path) -> None:
    path = content_copy / "urgentie.yaml"
    line = line_with(path, "anoniem_kalmeert: [wapen,")
    edit(path, "anoniem_kalmeert: [wapen,", "anoniem_kalmeert: [wapens,")
    error = the_error(errors_in(content_copy), "urgentie.yaml", line, "anoniem_kalmeert")
    assert "wapens" in error.message


def test_lopsided_alternatives_in_a_rule(content_copy: Path) -> None:
    # "in mijn keuken|huis" reads as "in mijn keuken" or "huis": "naar huis" would raise an alarm.
    path = content_copy / "urgentie.yaml"
    old = "stranger in my house, stranger in my bedroom]"
    line = line_with(path, old)
    edit(path, old, "stranger in my house|bedroom]")
    error = the_error(errors_in(content_copy), "urgentie.yaml", line, "regels.inbraak_bezig")
    assert "stranger in my house|bedroom" in error.message


def test_faq_example_with_an_unknown_id(content_copy: Path) -> None:
    examples = content_copy / "faq_voorbeelden.yaml"
    first = next(t for t in examples.read_text().splitlines() if t.startswith("  - {tekst:"))
    edit(examples, first, first.replace(" id: ", " id: fietsdiefstall_", 1))
    error = the_error(
        errors_in(content_copy),
        "faq_voorbeelden.yaml",
        line_with(examples, "fietsdiefstall_"),
        "voorbeelden.id",
    )
    assert "unknown FAQ id" in error.message


def test_faq_example_labelled_twice(content_copy: Path) -> None:
    examples = content_copy / "faq_voorbeelden.yaml"
    edit(
        examples,
        "voorbeelden:\n",
        "voorbeelden:\n  - {tekst: fiets kwijt, id: fietsdiefstal, taal: nl}\n"
        "  - {tekst: Fiets  kwijt, id: verloren_gevonden, taal: nl}\n",
    )
    error = the_error(
        errors_in(content_copy),
        "faq_voorbeelden.yaml",
        line_with(examples, "Fiets  kwijt"),
        "voorbeelden.id",
    )
    assert "also labelled 'fietsdiefstal'" in error.message
