"""The FAQ's intent model (bot/core/intent_model.py): shipped for the shipped content, trained
again only when the phrasings or the example questions change, and part of the matcher's score."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.content.model import Content, FaqExample
from bot.core import regression
from bot.core.assistant import Assistant
from bot.core.embeddings import PREBUILT, CharGrams, EmbeddingCache, load_embedder, model_file
from bot.core.intent_model import intent_key
from bot.core.messages import Query
from bot.core.semantic import faq_index, faq_texts, intent_examples


@pytest.mark.parametrize("mode", ["auto", "char"])
def test_the_package_ships_the_intent_model_of_its_content(content: Content, mode: str) -> None:
    embedder = load_embedder(mode)
    texts, entries = intent_examples(content, faq_texts(content))
    assert len(texts) > len(content.faq_examples) > 1000  # the phrasings and the examples
    path = PREBUILT / model_file("intents", embedder.name)
    assert regression.load(path, intent_key(texts, entries, embedder.name)) is not None


def test_an_edited_example_trains_a_new_model_once(
    content: Content, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    example = FaqExample(tekst="mn fiets is foetsie bij de brink", id="fietsdiefstal", taal="nl")
    edited = replace(content, faq_examples=(*content.faq_examples[:50], example))
    cache = EmbeddingCache(CharGrams(), data_dir=None)
    with caplog.at_level(logging.INFO):
        first = faq_index(edited, cache, tmp_path, target=tmp_path / "empty")
    assert "training the intent model" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):
        second = faq_index(edited, cache, tmp_path, target=tmp_path / "empty")
    assert "training the intent model" not in caplog.text  # found in the data directory
    assert first.intents is not None and second.intents is not None
    assert np.array_equal(first.intents.weights, second.intents.weights)
    # the example's own entry is what the model learned for it
    vector = cache.vectors([example.tekst])
    number = [e.id for e in content.faq].index("fietsdiefstal")
    assert int(np.argmax(second.intents.probabilities(vector)[0])) == number


async def test_a_question_in_another_language_finds_its_entry(shipped: Assistant) -> None:
    """Meaning only (no Dutch word to match): the intent model carries it."""
    reply = await shipped.reply(Query(text="Rowerem mi ukradli przy dworcu, co mam zrobić?"))
    assert reply.intent == "fietsdiefstal"
    assert "0900-8844" in reply.lines


def test_content_too_large_to_train_goes_without_the_model(
    content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core import intent_model

    monkeypatch.setattr(intent_model, "STEP_BUDGET", 1.0)
    edited = replace(content, faq_examples=content.faq_examples[:3])
    index = faq_index(edited, EmbeddingCache(CharGrams(), data_dir=None), tmp_path, tmp_path / "x")
    assert index.intents is None and len(index.entries) > 1000  # the phrasings are still there
