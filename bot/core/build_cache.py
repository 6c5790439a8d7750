"""Indexes built from content, kept between starts and keyed by exactly what they were built from.

Why: building the matcher's indexes takes about half a second, which a fresh install, a clean
clone or an empty data directory should not pay on every start. The shipped content's indexes
ship inside the package (bot/prebuilt/, written by `wijkbot prebuild`); an operator's edit is
built once and kept in the data directory. The key is a hash of the content the index reads and
of the code that builds it, so a stale file is never used: it is rebuilt and replaced.

The files are pickles, read only from the package and from the data directory (mode 0700, the
bot's own): whoever can write there can already change the bot's database and content.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pydantic_core

PREBUILT = Path(__file__).resolve().parents[1] / "prebuilt"
T = TypeVar("T")
log = logging.getLogger(__name__)


def fingerprint(*parts: Any) -> str:
    """A short hash of content (pydantic models, tuples, strings), code modules and package
    versions; equal exactly when what an index is built from is equal."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, ModuleType) and part.__file__:
            digest.update(Path(part.__file__).read_bytes())
        else:
            digest.update(pydantic_core.to_json(part, fallback=repr))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def load(name: str, key: str, data_dir: Path | None = None) -> Any | None:
    """The object stored under `name` with this key: shipped first, then the data directory."""
    places = [PREBUILT / name] + ([data_dir / "cache" / name] if data_dir else [])
    for path in places:
        try:
            with path.open("rb") as fh:
                if pickle.load(fh) == key:  # the key is stored first: a stale file stops here
                    return pickle.load(fh)
        except FileNotFoundError:
            continue
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            log.warning("ignoring a damaged cache file %s: %s", path.name, type(exc).__name__)
    return None


def save(obj: Any, name: str, key: str, directory: Path) -> Path:
    """Writes atomically (a crash leaves the old file or none, never half a file)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        pickle.dump(key, fh, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)
    return path


def load_or_build(name: str, key: str, build: Callable[[], T], data_dir: Path | None) -> T:
    """The stored object when its key matches, else built now and kept in the data directory."""
    found = load(name, key, data_dir)
    if found is not None:
        return found
    log.info("building %s (content or code changed since it was stored)", name)
    built = build()
    if data_dir is not None:
        try:
            save(built, name, key, data_dir / "cache")
        except OSError as exc:
            log.warning("%s not cached: %s", name, type(exc).__name__)
    return built
