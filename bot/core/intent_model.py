"""The FAQ's intent model: which entry (or out of scope) a message is about, learned from the
phrasings' vectors.

Why beside the nearest phrasing: the matcher's meaning score is the cosine to an entry's single
closest phrasing, which a lucky neighbour of the wrong entry can beat. A regression over all
phrasings weighs what an entry's phrasings share. Blended into the matcher's score (a fifth of
it, bot/core/matcher.py) it raised top-1 on the new development set dev_set_4 from 0.83 to 0.91
and out-of-scope rejection from 0.83 to 0.87 (docs/benchmarks.md). Trained in half a second,
and kept per content version like the vectors.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bot.core import regression
from bot.core.regression import Recipe, Regression

log = logging.getLogger(__name__)

RECIPE = Recipe(l2=3e-3, steps=300, learning_rate=0.05)
# Multiply-adds of one training step (rows x dimensions x entries): the shipped content needs
# 5e7 (half a second in all); content ten times as large, 4e9 a step, would take many minutes
# to train at start-up. Above the budget the matcher does without the intent model.
STEP_BUDGET = 5e8


def intent_key(texts: list[str], entries: np.ndarray, embedder_name: str) -> str:
    """Changes when a phrasing, its entry, the model or the recipe changes."""
    digest = hashlib.sha256(f"{embedder_name}\n{json.dumps(asdict(RECIPE))}".encode())
    for text, entry in zip(texts, entries.tolist(), strict=True):
        digest.update(f"{entry}\t{text}\n".encode())
    return digest.hexdigest()[:32]


def intent_model(
    vectors_of: Callable[[], np.ndarray],
    entries: np.ndarray,
    size: int,
    key: str,
    places: list[Path],
    store: Path | None,
) -> Regression | None:
    """The model stored in one of `places` trained on exactly these texts, else a new one,
    written to `store` (the data directory's, or the package's when prebuilding); None when the
    content is too large to train on (STEP_BUDGET). vectors_of: the texts' vectors, asked for
    only when training (a start-up with a stored model needs none of them)."""
    found = next(filter(None, (regression.load(p, key) for p in places)), None)
    if found is not None:
        return found
    vectors = vectors_of()
    if vectors.size * size > STEP_BUDGET:
        log.warning(
            "intent model off: %d texts for %d entries is too much to train", len(entries), size
        )
        return None
    log.info("training the intent model on %d phrasings (content changed)", len(entries))
    model = regression.fit(vectors, entries, size, RECIPE)
    if store is not None:
        try:
            regression.save(model, store, key)
        except OSError as exc:
            log.warning("intent model not cached: %s", type(exc).__name__)
    return model
