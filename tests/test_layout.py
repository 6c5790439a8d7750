"""The house keeps its design: each folder of bot/ imports only what its role allows, no import
circles, and functions and classes small enough to read. Checked over the folders, so a new module
is covered the day it is added (no allow-list to keep up).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
DOORS_ONLY = ("telegram", "sqlite3", "httpx", "aiohttp")  # never in the core
CORE_MAY_IMPORT = ("bot.core", "bot.content")  # the core's own rooms, nothing of the doors
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 250


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import, in functions too; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path) if path.is_relative_to(ROOT) else path.stem
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def test_the_core_imports_nothing_of_the_doors() -> None:
    offenders = []
    for name, path in modules().items():
        if not name.startswith("bot.core"):
            continue
        for line, imported in imports(path):
            door = _top(imported) in DOORS_ONLY
            foreign_room = imported.startswith("bot.") and not imported.startswith(CORE_MAY_IMPORT)
            if door or foreign_room:
                offenders.append(f"{name}:{line} imports {imported}")
    assert not offenders


def test_only_the_telegram_door_imports_telegram() -> None:
    offenders = [
        f"{name}:{line}"
        for name, path in modules().items()
        if not name.startswith("bot.telegram")
        for line, imported in imports(path)
        if _top(imported) == "telegram"
    ]
    assert not offenders


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for _, imported in imports(path):
            while imported and imported not in known:  # bot.core.text.fold -> bot.core.text
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "bot":
                targets.add(imported)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert cycles(import_graph()) == []


def test_the_circle_check_sees_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_import_check_sees_imports_in_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\ndef f():\n    from telegram.ext import Application\n")
    assert (3, "telegram.ext") in imports(sample)
    assert (1, "os") in imports(sample)


@pytest.mark.parametrize("kind", ["function", "class"])
def test_functions_and_classes_fit_on_a_screen(kind: str) -> None:
    limit = MAX_FUNCTION_LINES if kind == "function" else MAX_CLASS_LINES
    types = (ast.FunctionDef, ast.AsyncFunctionDef) if kind == "function" else (ast.ClassDef,)
    too_long = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, types) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    too_long.append(f"{name}.{node.name}: {lines} lines")
    assert not too_long
