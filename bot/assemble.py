"""The one place where an assistant is put together: content, memory, live data, semantics.

Why one place: the terminal chat, `wijkbot ask`, `eval`, `report`, the Telegram bot and a content
reload all need the same assistant with different parts; building it in each door made "live"
mean three things. Here two questions decide: may it ask live services (`live_data`), and may it
remember a resident's wijk across runs (`remember`, in the data directory's SQLite file).
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.config import Settings
from bot.content.load import load_content
from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.live import LiveLookup
from bot.core.memory import WijkMemory
from bot.core.semantic import Semantic


def build_assistant(settings: Settings, *, live_data: bool, remember: bool) -> Assistant:
    """The assistant for these settings' content; live data only where asked and allowed."""
    content = load_content(settings.content_dir, cache=content_cache(settings))
    return Assistant(
        content,
        live=live_lookup(settings) if live_data and not settings.offline else None,
        memory=_memory(settings) if remember else None,
        semantic=semantic_layer(settings, content),
        data_dir=cache_dir(settings),
    )


def rebuild(content: Content, previous: Assistant) -> Assistant:
    """An assistant for new content that keeps the previous one's memory, live data and clock."""
    semantic = previous.semantic
    if semantic is not None:  # same model, vectors and safety model of the new content
        semantic = Semantic.build(content, semantic.embedder, semantic.content_vectors.data_dir)
    return Assistant(
        content,
        memory=previous.memory,
        live=previous.live,
        today=previous.today,
        semantic=semantic,
    )


def content_cache(settings: Settings) -> Path | None:
    """Where parses of edited content files are kept between starts (None: not writable)."""
    data_dir = cache_dir(settings)
    return data_dir / "cache" / "content" if data_dir is not None else None


def cache_dir(settings: Settings) -> Path | None:
    """The data directory if it can take caches (not in a read-only home), else None."""
    probe = settings.data_dir if settings.data_dir.exists() else settings.data_dir.parent
    return settings.data_dir if probe.is_dir() and os.access(probe, os.W_OK) else None


def semantic_layer(settings: Settings, content: Content) -> Semantic | None:
    """The embeddings and safety model (WIJKBOT_SEMANTIC: auto, char or off)."""
    if settings.semantic == "off":
        return None
    from bot.core.embeddings import load_embedder

    embedder = load_embedder(settings.semantic, settings.embedding_contexts)
    return Semantic.build(content, embedder, cache_dir(settings))


def live_lookup(settings: Settings) -> LiveLookup | None:
    try:
        from bot.live_client import HttpLiveLookup
    except ImportError:  # the live client is optional
        return None
    return HttpLiveLookup.from_settings(settings)


def _memory(settings: Settings) -> WijkMemory:
    from bot.storage import SqliteWijkMemory  # sqlite only where a wijk is remembered

    return SqliteWijkMemory.in_data_dir(settings)
