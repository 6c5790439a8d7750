"""YAML loading that remembers line numbers.

Operators edit content by hand; a validation error is only useful when it says where to look.
PyYAML throws line numbers away once it builds plain dicts, so this loader keeps them on the side.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A dict that knows the line of each key (1-based) and of itself."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A list that knows the line of each item (1-based) and of itself."""

    line: int = 0
    item_lines: list[int]


class ContentError(Exception):
    """One problem in a content file, with where it is."""

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


# libyaml's parser when installed (it is in PyYAML's wheels): four times faster at start-up.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates stay strings ("2021-02-15" is a fact to show, not a value to compute with), and only
# true/false are booleans: YAML 1.1 would read the English word "on" or "no" as a boolean.
_Loader.yaml_implicit_resolvers = {
    key: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(path: Path, caches: Sequence[Path] = (), write: Path | None = None) -> Any:
    """Parse a YAML file, raising ContentError with the file and line of a syntax error.

    With `caches`: a file parsed before comes back from a JSON copy keyed by its bytes' hash,
    as plain data without line numbers (parsing thousands of safety examples takes most of a
    second; JSON, a few milliseconds). Only a strict parse (duplicate keys refused) writes the
    copy, so a hit means this exact file passed it. Callers re-parse without caches to name
    the line of a validation error.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(path.name, None, "", f"cannot read file: {exc.strerror}") from exc
    key = hashlib.sha256(data).hexdigest()[:32]
    for directory in caches:
        try:
            return json.loads((directory / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    parsed = _parse(path, data.decode("utf-8", errors="replace"))
    if write is not None:
        _remember(write, key, parsed)
    return parsed


def _remember(directory: Path, key: str, parsed: Any) -> None:
    """Keeps the JSON copy only when JSON carries the data exactly (no non-string keys)."""
    try:
        text = json.dumps(parsed, ensure_ascii=False)
        if json.loads(text) != parsed:
            return
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = directory / f"{key}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(directory / f"{key}.json")
    except (OSError, TypeError, ValueError):
        return  # a cache that cannot be written costs a slower start, nothing else


def _parse(path: Path, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError(path.name, line, "", f"YAML error: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(path.name, None, "", f"YAML error: {exc}") from exc


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest node along loc that still exists (a missing field: its parent)."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
        line = getattr(node, "line", None) or line
    return line
