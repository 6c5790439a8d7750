"""Loading content/: YAML (with line numbers for errors, parses cached), schema, checks.

Strict on purpose: one problem anywhere stops a load, so a reload never reaches residents with a
broken alarm text; every problem is reported at once, naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.content import yaml_lines
from bot.content.checks import check_all
from bot.content.model import (
    FILES,
    Content,
    ContentErrors,
    DangerFile,
    DistrictFile,
    ExampleFile,
    FaqExampleFile,
    FaqFile,
    LanguageFile,
    LineFile,
    OutOfScopeFile,
    TextFile,
    UrgencyFile,
)
from bot.content.yaml_lines import ContentError

PARSED = Path(__file__).resolve().parents[1] / "prebuilt" / "yaml"  # shipped parses
MODELS: dict[str, type[BaseModel]] = {
    "lines": LineFile,
    "faq": FaqFile,
    "districts": DistrictFile,
    "texts": TextFile,
    "language": LanguageFile,
    "urgency": UrgencyFile,
    "out_of_scope": OutOfScopeFile,
    "dangers": DangerFile,
    "examples": ExampleFile,
    "faq_examples": FaqExampleFile,
}


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
    directory: Path, caches: list[Path], write: Path | None, strict: Collection[str] = frozenset()
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

    parsed: dict[str, Any] = {}
    for key, model in MODELS.items():
        try:
            parsed[key] = _validate(model, raw[key], FILES[key])
        except ContentErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise ContentErrors(errors)
    lines, errors = check_all(parsed, raw)
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
        faq_examples=tuple(parsed["faq_examples"].voorbeelden),
    )


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
        item: Any = node[part] if in_dict or in_list else None
        named = isinstance(part, int) and isinstance(item, dict) and isinstance(item.get("id"), str)
        parts.append(item["id"] if named else str(part))
        node = item
    return ".".join(parts)
