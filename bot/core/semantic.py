"""The semantic layer: the embedder, the vectors of the content, and the safety model, built once.

Built from content like the matcher's indexes, and just as cheap to start: the vectors of every
content text and the trained safety model ship prebuilt inside the package (bot/prebuilt/), keyed
by the text they encode and the examples they were trained on; the data directory keeps what an
operator's edit added. Only what changed is embedded or trained again, and the log says so.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.content.model import OUT_OF_SCOPE_ID, Content
from bot.core.build_cache import fingerprint
from bot.core.embeddings import (
    PREBUILT,
    Embedder,
    EmbeddingCache,
    MessageVectors,
    load_embedder,
    model_file,
    write,
)
from bot.core.embeddings import (
    vectors_file as _vectors_file,
)
from bot.core.intent_model import intent_key, intent_model
from bot.core.matcher import SemanticIndex
from bot.core.safety_model import CALM, Opinion, SafetyModel, train, training_key
from bot.core.text import Normaliser
from bot.core.urgency import UrgencyDetector

log = logging.getLogger(__name__)

# One thread per C context of the model, so each context embeds a message at a time. Shared by
# size (a content reload builds a new Semantic, not new threads). The model brings its own.
_POOLS: dict[int, ThreadPoolExecutor] = {}


def embedding_pool(embedder: Embedder) -> ThreadPoolExecutor:
    own = getattr(embedder, "pool", None)
    if isinstance(own, ThreadPoolExecutor):
        return own
    size = getattr(embedder, "contexts", 1)
    if size not in _POOLS:
        _POOLS[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="embed")
    return _POOLS[size]


def _model_file(embedder: Embedder) -> str:
    return model_file("safety", embedder.name)


@dataclass
class Semantic:
    embedder: Embedder
    content_vectors: EmbeddingCache
    messages: MessageVectors
    safety: SafetyModel
    faq: SemanticIndex  # the phrasings' vectors, for bot/core/matcher.py

    @property
    def name(self) -> str:
        return self.embedder.name

    @classmethod
    def build(
        cls, content: Content, embedder: Embedder | None = None, data_dir: Path | None = None
    ) -> Semantic:
        embedder = embedder or load_embedder()
        cache = EmbeddingCache(embedder, data_dir)
        safety = _safety_model(content, cache, data_dir)
        faq = faq_index(content, cache, data_dir / "cache" if data_dir else None)
        return cls(embedder, cache, MessageVectors(embedder, known=cache), safety, faq)

    def vector(self, text: str) -> np.ndarray:
        return self.messages.vector(text)

    async def vector_soon(self, text: str) -> np.ndarray:
        """The message's vector off the loop (at once when the safety check just made it)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(embedding_pool(self.embedder), self.messages.vector, text)

    async def opinion(self, text: str) -> tuple[np.ndarray, Opinion]:
        """The message's vector (for the matcher too) and the safety model's view, off the loop
        in a thread of its own (the C engine runs one text at a time anyway)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(embedding_pool(self.embedder), self._opinion, text)

    def _opinion(self, text: str) -> tuple[np.ndarray, Opinion]:
        vector = self.messages.vector(text)
        return vector, self.safety.opinion(vector)


def content_texts(content: Content) -> list[str]:
    """Every content text the semantic layer embeds: what `wijkbot prebuild` ships."""
    phrasings = [t for group in faq_texts(content) for t in group]
    examples = [e.tekst for e in content.faq_examples]
    return list(dict.fromkeys([*training_set(content)[0], *phrasings, *examples]))


def faq_texts(content: Content) -> list[list[str]]:
    """Per matcher entry (the FAQ in file order, then out of scope) the texts that stand for it."""
    groups = [
        [*e.vragen, e.titel, *((*e.en.vragen, e.en.titel) if e.en else ())] for e in content.faq
    ]
    groups.append([*content.out_of_scope.vragen, *content.out_of_scope.en])
    return groups


def faq_index(
    content: Content, cache: EmbeddingCache, store: Path | None = None, target: Path = PREBUILT
) -> SemanticIndex:
    """The phrasings' vectors, and the intent model learned from them and from the residents'
    example questions (content/faq_voorbeelden.yaml): looked up in `target` and `store`, and
    written to `store` when trained anew."""
    groups = faq_texts(content)
    learn_texts, learn_entries = intent_examples(content, groups)
    phrasings = sum(len(group) for group in groups)  # the examples follow the phrasings
    name = model_file("intents", cache.embedder.name)
    places = [target / name] + ([store / name] if store and store != target else [])
    key = intent_key(learn_texts, learn_entries, cache.embedder.name)
    intents = intent_model(
        lambda: cache.vectors(learn_texts),
        learn_entries,
        len(groups),
        key,
        places,
        store / name if store else None,
    )
    vectors = cache.vectors(learn_texts[:phrasings])
    return SemanticIndex(vectors, learn_entries[:phrasings], len(groups), intents)


def intent_examples(content: Content, groups: list[list[str]]) -> tuple[list[str], np.ndarray]:
    """The phrasings, then the example questions, each with its matcher entry number (out of
    scope is the last)."""
    number = {e.id: i for i, e in enumerate(content.faq)} | {OUT_OF_SCOPE_ID: len(content.faq)}
    texts = [t for group in groups for t in group]
    entries = [i for i, group in enumerate(groups) for _ in group]
    for example in content.faq_examples:
        texts.append(example.tekst)
        entries.append(number[example.id])
    return texts, np.array(entries)


def training_set(content: Content) -> tuple[list[str], list[str]]:
    """The safety examples, plus every FAQ phrasing, out-of-scope example and example question
    (content/faq_voorbeelden.yaml: residents' questions, none an emergency) as calm.

    Why the FAQ: residents mostly ask ordinary questions ("aangifte doen", "hallo"), and a model
    that never saw them took short calm messages for panic. A phrasing the rules read as danger
    ("er wordt nu ingebroken bij mij") is left out rather than taught as calm.
    """
    texts = [e.tekst for e in content.examples]
    kinds = [e.soort for e in content.examples]
    detector = UrgencyDetector.build(content.urgency, Normaliser.from_content(content.language))
    seen = {" ".join(t.lower().split()) for t in texts}
    calm = [
        *(q for e in content.faq for q in (*e.vragen, *(e.en.vragen if e.en else ()))),
        *content.out_of_scope.vragen,
        *content.out_of_scope.en,
        *(e.tekst for e in content.faq_examples),
    ]
    for text in calm:
        key = " ".join(text.lower().split())
        urgency = detector.detect(text)
        if key not in seen and not (urgency.alarm or urgency.crisis or urgency.anonymous):
            seen.add(key)
            texts.append(text)
            kinds.append(CALM)
    return texts, kinds


def source_key(content: Content, embedder: Embedder) -> str:
    """Everything the training set is derived from: checking it costs milliseconds, where
    deriving the set (every FAQ phrasing through the urgency rules) costs a third of a second."""
    return fingerprint(
        content.examples,
        content.faq,
        content.out_of_scope,
        content.faq_examples,
        content.urgency,
        content.language,
        embedder.name,
        *(sys.modules[f"bot.core.{m}"] for m in ("semantic", "safety_model", "urgency", "text")),
    )


def _safety_model(content: Content, cache: EmbeddingCache, data_dir: Path | None) -> SafetyModel:
    source = source_key(content, cache.embedder)
    name = _model_file(cache.embedder)
    places = [PREBUILT / name] + ([data_dir / "cache" / name] if data_dir else [])
    for path in places:
        found = SafetyModel.load(path, source=source)
        if found is not None:
            return found
    # The content or code changed: the training set may still be the same (a new rule that
    # fires on no FAQ phrasing), and then the stored model is still the right one.
    texts, kinds = training_set(content)
    key = training_key(texts, kinds, cache.embedder.name)
    model = next(filter(None, (SafetyModel.load(path, key=key) for path in places)), None)
    if model is None:
        log.info("training the safety model on %d examples (examples or model changed)", len(texts))
        model = train(cache.vectors(texts), kinds, cache.embedder.name)
    if data_dir is not None:
        try:
            model.save(data_dir / "cache" / name, key, source)
        except OSError as exc:
            log.warning("safety model not cached: %s", type(exc).__name__)
    return model


def prebuild(content: Content, embedder: Embedder, target: Path = PREBUILT) -> list[Path]:
    """Writes the vectors of exactly this content's texts and its trained safety model into
    `target` (the package's prebuilt/ folder), so a fresh install starts without embedding."""
    target.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(embedder, data_dir=None)
    shipped = content_texts(content)
    cache.vectors(shipped)
    vectors_path = target / _vectors_file(embedder)
    write(vectors_path, cache.subset(shipped))
    texts, kinds = training_set(content)
    key = training_key(texts, kinds, embedder.name)
    model = SafetyModel.load(target / _model_file(embedder), key)
    if model is None:
        model = train(cache.vectors(texts), kinds, embedder.name)
    model_path = target / _model_file(embedder)
    model.save(model_path, key, source_key(content, embedder))
    faq_index(content, cache, store=target, target=target)  # trains and writes it when stale
    return [vectors_path, model_path, target / model_file("intents", embedder.name)]
