"""Benchmark of the matching core against two baselines, at 1x, 10x and 100x content.

Usage:
    pip install '.[bench]'
    python benchmarks/bench_matching.py [--write docs/benchmarks.md]

Measures, per message of tests/data/dev_set.yaml: latency p50/p99 and messages per second of the
whole core path (`Assistant.reply`, offline), for the shipped content and for synthetic content
10x and 100x larger (every entry copied with reordered, shortened and misspelled phrasings). In the
same run, two baselines on the same content: (a) rapidfuzz `process.extractOne(text, phrasings,
scorer=WRatio)` without normalisation, (b) BM25 (rank-bm25) over the same phrasings; each with its
accuracy on the dev set and the untuned holdout set. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.config import default_content_dir
from bot.content.load import load_content
from bot.content.model import Content, FaqEntry
from bot.core.assistant import Assistant
from bot.core.embeddings import EMBEDDING_CONTEXTS, load_embedder, text_key
from bot.core.messages import Query
from bot.core.semantic import Semantic, faq_index, faq_texts
from bot.operators.evaluation import Item, load_items

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "dev": ROOT / "tests/data/dev_set.yaml",
    "holdout": ROOT / "tests/data/holdout_set.yaml",
    "holdout_2": ROOT / "tests/data/holdout_set_2.yaml",
}


SOURCE_OF: dict[str, str] = {}  # a synthetic phrasing -> the shipped phrasing it was made from


def _variant(text: str, rng: random.Random) -> str:
    words = text.split()
    choice = rng.random()
    if choice < 0.33 and len(words) > 2:
        rng.shuffle(words)
    elif choice < 0.66 and len(words) > 3:
        words.pop(rng.randrange(len(words)))
    else:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _copy(text: str, rng: random.Random) -> str:
    variant = _variant(text, rng)
    SOURCE_OF.setdefault(variant, text)
    return variant


def replicate(content: Content, factor: int, seed: int = 7) -> Content:
    """Content `factor` times larger: copies of every entry with synthetic phrasing variants."""
    if factor == 1:
        return content
    rng = random.Random(seed)
    entries: list[FaqEntry] = list(content.faq)
    for copy in range(1, factor):
        for entry in content.faq:
            en = entry.en
            if en is not None:
                en = en.model_copy(update={"vragen": [_copy(v, rng) for v in en.vragen]})
            entries.append(
                entry.model_copy(
                    update={
                        "id": f"{entry.id}__{copy}",
                        "vragen": [_copy(v, rng) for v in entry.vragen],
                        "zie_ook": [],
                        "en": en,
                    }
                )
            )
    return dataclasses.replace(content, faq=tuple(entries))


def semantic_for(content: Content, base: Semantic) -> Semantic:
    """The semantic layer for replicated content, every copy's vectors cached.

    A copied phrasing gets its source phrasing's vector (the copies are synthetic, and embedding
    150,000 of them would take most of an hour): this measures building and searching the index at
    that size with the embeddings cached, as after `wijkbot prebuild`. The safety model stays the
    shipped one.
    """
    cache = base.content_vectors
    for group in faq_texts(content):
        for text in group:
            if cache.stored(text) is None:
                cache.vectors([SOURCE_OF[text]])  # embedded once if the source is new
                cache._vectors[text_key(text)] = cache.stored(SOURCE_OF[text])
    return dataclasses.replace(base, faq=faq_index(content, cache))


def _base_id(entry_id: str | None) -> str | None:
    return entry_id.split("__", 1)[0] if entry_id else entry_id


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def time_core(
    assistant: Assistant, texts: list[str], rounds: int, warm: list[str] | None = None
) -> list[float]:
    """warm: the messages that warm the caches first (default: the timed ones themselves)."""
    for text in texts if warm is None else warm:  # warm-up: caches as in a running bot
        await assistant.reply(Query(text=text))
    times: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            await assistant.reply(Query(text=text))
            times.append((time.perf_counter() - start) * 1000)
    return times


def accuracy(predict: Callable[[str], str | None], items: list[Item]) -> tuple[float, float]:
    """Top-1 accuracy on in-scope items and rejection rate on out-of-scope items."""
    hits, rejections, in_scope, out_scope = 0, 0, 0, 0
    for item in items:
        if item.intent is None:
            continue
        predicted = _base_id(predict(item.text))
        if item.intent == "none":
            out_scope += 1
            rejections += predicted is None
        else:
            in_scope += 1
            hits += predicted == item.intent
    return hits / max(in_scope, 1), rejections / max(out_scope, 1)


def ours(assistant: Assistant) -> Callable[[str], str | None]:
    """The whole core (safety rules, preferences, dialogue), as residents get it."""

    def predict(text: str) -> str | None:
        reply = asyncio.run(assistant.reply(Query(text=text)))
        return None if reply.decision == "not_understood" else reply.intent

    return predict


def phrasing_table(content: Content) -> tuple[list[str], list[str]]:
    texts, ids = [], []
    for entry in content.faq:
        for text in [*entry.vragen, *(entry.en.vragen if entry.en else [])]:
            texts.append(text)
            ids.append(entry.id)
    return texts, ids


def wratio_baseline(content: Content, cutoff: float) -> Callable[[str], str | None]:
    texts, ids = phrasing_table(content)

    def predict(text: str) -> str | None:
        found = process.extractOne(text, texts, scorer=fuzz.WRatio, score_cutoff=cutoff)
        return ids[found[2]] if found else None

    return predict


def bm25_baseline(content: Content, cutoff: float) -> Callable[[str], str | None]:
    from rank_bm25 import BM25Okapi

    texts, ids = phrasing_table(content)
    bm25 = BM25Okapi([t.lower().split() for t in texts])

    def predict(text: str) -> str | None:
        scores = bm25.get_scores(text.lower().split())
        best = int(scores.argmax())
        return ids[best] if scores[best] > cutoff else None

    return predict


def time_predict(predict: Callable[[str], str | None], texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        predict(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def best_cutoff(
    make: Callable[[Content, float], Callable[[str], str | None]],
    content: Content,
    items: list[Item],
    grid: list[float],
) -> float:
    """The baseline's rejection cutoff that maximises its mean of accuracy and rejection on dev."""
    return max(grid, key=lambda c: sum(accuracy(make(content, c), items)))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", type=Path, help="write the table to this Markdown file")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--lexical-only", action="store_true", help="skip the semantic layer")
    p.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100], help="content sizes")
    p.add_argument(
        "--contexts",
        type=int,
        default=EMBEDDING_CONTEXTS,
        help="model contexts, the cores shared out between them (WIJKBOT_EMBEDDING_CONTEXTS)",
    )
    args = p.parse_args()
    base = load_content(default_content_dir())
    sets = {name: load_items(path) for name, path in SETS.items()}
    texts = [item.text for item in sets["dev"]]
    warm = [item.text for item in sets["holdout"]]
    # Never added to content (no shipped vector): every one is embedded as a resident's would be.
    fresh = [item.text for item in sets["holdout_2"]]
    start = time.perf_counter()
    embedder = None if args.lexical_only else load_embedder("auto", args.contexts)
    semantic = None if embedder is None else Semantic.build(base, embedder)
    model_s = time.perf_counter() - start
    rows = []
    cutoffs: dict[str, float] = {}
    for factor in args.factors:
        content = replicate(base, factor)
        for name, layer in (("lexical", None), ("semantic", semantic)):
            if name == "semantic" and semantic is None:
                continue
            start = time.perf_counter()
            layer = semantic_for(content, layer) if layer is not None else None
            assistant = Assistant(content, semantic=layer)
            build_s = time.perf_counter() - start
            if layer is None:
                times = asyncio.run(time_core(assistant, texts, args.rounds if factor < 100 else 1))
            else:  # each timed message new to the message-vector cache, as from a resident
                times = asyncio.run(time_core(assistant, fresh, 1, warm=warm))
            scores = [s for items in sets.values() for s in accuracy(ours(assistant), items)]
            label = f"wijkbot core (Assistant.reply), {name}"
            rows.append((label, factor, len(content.faq), build_s, times, *scores))
            print(f"done {factor}x {name}", file=sys.stderr)
        if not cutoffs:  # each baseline's rejection cutoff, tuned on the dev set at 1x
            cutoffs["wr"] = best_cutoff(
                wratio_baseline, content, sets["dev"], [0, 60, 70, 80, 85, 90]
            )
            cutoffs["bm"] = best_cutoff(
                bm25_baseline, content, sets["dev"], [0.0, 2.0, 4.0, 6.0, 8.0]
            )
        wr_cut, bm_cut = cutoffs["wr"], cutoffs["bm"]
        for name, make, cut in (
            (f"baseline a: extractOne WRatio (cutoff {wr_cut})", wratio_baseline, wr_cut),
            (f"baseline b: BM25 (cutoff {bm_cut})", bm25_baseline, bm_cut),
        ):
            predict = make(content, cut)
            sample = texts if factor < 100 else texts[:200]
            times_b = time_predict(predict, sample)
            scores = [s for items in sets.values() for s in accuracy(predict, items)]
            rows.append((name, factor, len(content.faq), 0.0, times_b, *scores))
        print(f"done {factor}x", file=sys.stderr)

    lines = [
        "## Matching",
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, {platform.system()} (2 cores). "
        f"Date: {time.strftime('%Y-%m-%d')}. Command: `python benchmarks/bench_matching.py "
        f"--write docs/benchmarks.md`.",
        "",
        "Latency per message over the dev-set messages (warm caches, one process, offline). "
        "Accuracy = top-1 intent on in-scope items; rejection = out-of-scope items not answered. "
        "Semantic rows: warmed on the holdout, then timed on holdout_set_2 (never added to "
        "content, so every message is embedded, as a resident's); 'build s' is the matcher and "
        "FAQ vector index, after loading the "
        f"model, the shipped vectors and the safety model once ({model_s:.2f} s). At 10x/100x a "
        "copied phrasing reuses its source phrasing's vector (embeddings cached).",
        "",
        "| method | content | entries | build s | p50 ms | p99 ms | msg/s | dev top-1 "
        "| dev reject | holdout top-1 | holdout reject | holdout_2 top-1 | holdout_2 reject |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, factor, entries, build_s, times, *scores in rows:
        rate = 1000 / statistics.mean(times)
        lines.append(
            f"| {name} | {factor}x | {entries} | {build_s:.2f} | {statistics.median(times):.3f} | "
            f"{percentile(times, 0.99):.3f} | {rate:,.0f} | "
            + " | ".join(f"{score:.3f}" for score in scores)
            + " |"
        )
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        _write_section(args.write, table)
    return 0


def _write_section(path: Path, section: str) -> None:
    """Replaces the matching section of the benchmarks page, keeping the other sections."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    head = "## Matching"
    if head in text:
        start = text.index(head)
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
