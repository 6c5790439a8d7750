"""The registry of text keys and ids (bot/content/keys.py) against the source that uses them.

`wijkbot check` trusts the registry to know what the code asks of content/; these tests make sure
the registry tells the truth: every text the code asks for is registered with exactly the
placeholders it fills, and every FAQ id the code names is named in the registry.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content import keys
from bot.content.load import load_content
from bot.content.model import Content, ContentErrors
from bot.core.commands import COMMAND_ACTIONS

BOT = Path(__file__).resolve().parent.parent / "bot"
# function name -> index of the key argument
TEXT_CALLS = {"text": 0, "t": 0, "fixed_reply": 0, "fixed_text": 2}
WRAPPERS = {"t", "text", "fixed_reply", "fixed_text", "label"}  # they only pass a key through


@dataclass(frozen=True)
class TextCall:
    where: str
    keys: tuple[str, ...]  # the literal key(s): one, or both sides of `"a" if x else "b"`
    named: frozenset[str]  # placeholders passed by name
    spread: tuple[str, ...]  # names of `**dicts` passed


def _literals(node: ast.expr) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _functions(tree: ast.AST) -> dict[ast.AST, str]:
    """Each node -> the name of the function it sits in."""
    owner: dict[ast.AST, str] = {}
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                owner[node] = func.name
    return owner


def text_calls() -> tuple[list[TextCall], list[str]]:
    """Every call that fetches a text; and where a key is not a literal outside a wrapper."""
    found, unresolved = [], []
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owner = _functions(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            index = TEXT_CALLS.get(name or "")
            if index is None or len(node.args) <= index:
                continue
            where = f"{path.relative_to(BOT.parent)}:{node.lineno}"
            literal = _literals(node.args[index])
            if literal is None:
                if owner.get(node) not in WRAPPERS and not isinstance(
                    node.args[index], ast.JoinedStr
                ):
                    unresolved.append(where)
                continue
            named = frozenset(k.arg for k in node.keywords if k.arg)
            spread = tuple(ast.unparse(k.value) for k in node.keywords if k.arg is None)
            if name in ("fixed_reply", "fixed_text"):  # it fills every line number itself
                spread += ("numbers",)
            found.append(TextCall(where, literal, named, spread))
    return found, unresolved


def string_constants() -> dict[str, list[str]]:
    """Every string literal in bot/ outside the registry, with where it is."""
    seen: dict[str, list[str]] = {}
    for path in sorted(BOT.rglob("*.py")):
        if path.name in ("keys.py", "scrub.py"):  # the scrubber's words are Dutch, not ids
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                seen.setdefault(node.value, []).append(f"{path.name}:{node.lineno}")
    return seen


CALLS, UNRESOLVED = text_calls()


def test_every_key_the_code_uses_is_a_literal_or_passes_through_a_wrapper() -> None:
    assert UNRESOLVED == [], "name the text key literally (or add it to bot/content/keys.py)"


def test_every_key_the_code_asks_for_is_registered() -> None:
    unknown = {(k, c.where) for c in CALLS for k in c.keys if k not in keys.TEXTS}
    assert unknown == set()


def test_registered_placeholders_are_exactly_what_the_code_fills() -> None:
    wrong = []
    for call in CALLS:
        for name in call.keys:
            spec = keys.TEXTS[name]
            lines = any(s.endswith("numbers") or s.endswith("numbers()") for s in call.spread)
            other = [s for s in call.spread if not s.endswith(("numbers", "numbers()"))]
            named_ok = call.named == spec.values or (other and call.named <= spec.values)
            if not named_ok or lines != spec.lines:
                wrong.append((call.where, name, sorted(call.named), call.spread))
    assert wrong == []


def test_every_registered_key_is_used_by_the_code() -> None:
    constants = string_constants()
    commands = {f"commando_{name}" for name in COMMAND_ACTIONS}
    unused = [k for k in keys.TEXTS if k not in constants and k not in commands]
    assert unused == []
    assert commands <= set(keys.TEXTS)


def test_faq_ids_are_named_only_in_the_registry(content: Content) -> None:
    """A loose "anoniem_melden" elsewhere would escape `wijkbot check`."""
    others = set(content.lines) | set(keys.TEXTS) | {"privacy", "politiebureau", "wijkagent"}
    constants = string_constants()
    loose = {i: constants[i] for i in (e.id for e in content.faq) if i in constants}
    assert {i: w for i, w in loose.items() if i not in others} == {}
    payloads = {v.removeprefix("faq:") for v in COMMAND_ACTIONS.values() if v.startswith("faq:")}
    assert payloads <= keys.FAQ_IDS
    assert {e.id for e in content.faq} >= keys.FAQ_IDS


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


ALARM_NL, ALARM_EN = "Bel direct {spoed}.", "Call {spoed} immediately"
LIJN = '  lijn:\n    nl: "☎️ {label}: {nummer}"\n    en: "☎️ {label}: {nummer}"\n'
FOOTER = "Spoed? Bel {spoed} · Geen spoed: {geen_spoed}"
BROKEN = [
    (ALARM_NL, "Bel direct {spoedd}.", "[teksten.alarm.nl]: unknown placeholder {spoedd}"),
    (ALARM_NL, "Bel direct.", "[teksten.alarm.nl]: must show 112"),
    (ALARM_NL, "Bel direct {spoed.", "[teksten.alarm.nl]: cannot be filled"),
    (ALARM_EN, "Call {spoed:>5} now", "[teksten.alarm.en]: placeholder {spoed} must be plain"),
    (LIJN, "", "[teksten.lijn]: missing text"),
    ('    en: "☎️ {label}: {nummer}"\n', "", "[teksten.lijn.en]: missing text"),
    (FOOTER, "Spoed? Bel {spoed}", "[teksten.footer.nl]: must show 0900-8844"),
]


@pytest.mark.parametrize(("old", "new", "expected"), BROKEN)
def test_a_broken_text_is_rejected_with_file_line_and_key(
    content_copy: Path, old: str, new: str, expected: str
) -> None:
    _replace(content_copy / "teksten.yaml", old, new)
    with pytest.raises(ContentErrors) as caught:
        load_content(content_copy)
    message = str(caught.value)
    assert expected in message
    assert message.startswith("teksten.yaml:")
    line = int(message.split(":")[1].split()[0])
    assert line > 0


def test_an_faq_id_the_code_names_must_exist(content_copy: Path) -> None:
    faq = content_copy / "faq.yaml"  # renamed everywhere, so only the code's name is missing
    faq.write_text(faq.read_text(encoding="utf-8").replace("aangifte_doen", "aangifte"))
    with pytest.raises(ContentErrors, match="entry 'aangifte_doen' is required"):
        load_content(content_copy)
