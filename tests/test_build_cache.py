"""Indexes are built once per content version: shipped for the shipped content, kept in the data
directory for an edit, and never used when what they were built from has changed."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.content.load import load_content
from bot.content.model import Content
from bot.core.build_cache import PREBUILT, fingerprint, load, load_or_build, save
from bot.core.matcher import INDEX_FILE, build_index, index_for, index_key
from bot.core.text import Normaliser

CONTENT = Path(__file__).resolve().parent.parent / "content"


def test_the_package_ships_the_matcher_index_of_its_content(content: Content) -> None:
    """A fresh install or an empty data directory starts without building it."""
    assert load(INDEX_FILE, index_key(content)) is not None, "run `wijkbot prebuild`"


def test_the_shipped_index_is_the_one_the_content_builds(content: Content) -> None:
    shipped = load(INDEX_FILE, index_key(content))
    built = build_index(content, Normaliser.from_content(content.language))
    assert shipped.entry_ids == built.entry_ids
    assert [p.norm for p in shipped.phrasings] == [p.norm for p in built.phrasings]
    assert shipped.vocabulary == built.vocabulary
    assert shipped.sorted_stems == built.sorted_stems


def _edited(tmp_path: Path) -> Content:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    faq = copy / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    at = text.index("    vragen:\n") + len("    vragen:\n")
    faq.write_text(text[:at] + "      - wie is de wijkagent van de test\n" + text[at:], "utf-8")
    return load_content(copy)


def test_an_edit_is_built_once_then_loaded_from_the_data_directory(
    tmp_path: Path, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    edited = _edited(tmp_path)
    assert index_key(edited) != index_key(content)
    data = tmp_path / "data"
    normaliser = Normaliser.from_content(edited.language)
    with caplog.at_level(logging.INFO, logger="bot.core.build_cache"):
        first = index_for(edited, normaliser, data)
        assert "building matcher-index.pickle" in caplog.text
        caplog.clear()
        second = index_for(edited, normaliser, data)
        assert caplog.text == ""  # loaded, not built
    assert (data / "cache" / INDEX_FILE).stat().st_mode & 0o077 == 0  # private to the bot
    assert second.vocabulary == first.vocabulary
    assert "test" in second.vocabulary  # the edit is in it


def test_a_stale_or_damaged_file_is_rebuilt_never_used(tmp_path: Path) -> None:
    built: list[int] = []

    def build() -> dict[str, int]:
        built.append(1)
        return {"version": len(built)}

    assert load_or_build("x.pickle", "key-1", build, tmp_path) == {"version": 1}
    assert load_or_build("x.pickle", "key-1", build, tmp_path) == {"version": 1}
    assert load_or_build("x.pickle", "key-2", build, tmp_path) == {"version": 2}  # stale
    (tmp_path / "cache" / "x.pickle").write_bytes(b"\x80\x05not a pickle")
    assert load_or_build("x.pickle", "key-2", build, tmp_path) == {"version": 3}
    assert len(built) == 3


def test_without_a_data_directory_nothing_is_written(tmp_path: Path) -> None:
    assert load_or_build("y.pickle", "k", lambda: 7, None) == 7
    assert not (PREBUILT / "y.pickle").exists()  # the package is never written at run time
    save(8, "y.pickle", "k", tmp_path / "cache")
    assert load("y.pickle", "k", tmp_path) == 8
    assert load("y.pickle", "other", tmp_path) is None


def test_the_key_follows_the_content_not_its_identity(content: Content) -> None:
    assert fingerprint(content.faq) == fingerprint(tuple(content.faq))
    assert fingerprint(content.faq) != fingerprint(content.faq[1:])
    assert fingerprint("a", "b") != fingerprint("ab")
    assert PREBUILT.name == "prebuilt"
