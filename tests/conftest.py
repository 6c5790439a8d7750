"""Shared fixtures: the shipped content, an assistant on it, and throw-away copies to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.load import load_content
from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.embeddings import load_embedder
from bot.core.semantic import Semantic

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped content, loaded once: loading validates everything and builds no indexes."""
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def assistant(content: Content) -> Assistant:
    """One assistant for read-only tests (rules only); tests that remember build their own."""
    return Assistant(content)


@pytest.fixture(scope="session")
def semantic(content: Content) -> Semantic:
    """The semantic layer as shipped: the model, with the prebuilt vectors and safety model
    (bot/prebuilt/), so no test embeds the content again."""
    return Semantic.build(content, load_embedder("auto"), data_dir=None)


@pytest.fixture(scope="session")
def shipped(content: Content, semantic: Semantic) -> Assistant:
    """The assistant residents get: rules and the semantic layer."""
    return Assistant(content, semantic=semantic)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of content/ that a test may break without touching the real files."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target
