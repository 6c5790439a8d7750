"""Ranks the FAQ entries for a message and decides whether it is sure, torn, or lost.

Two signals, because each fails differently: character n-gram TF-IDF (robust to typos and word
endings, but a short message can look like a long phrasing) and a token-sort ratio over stemmed
content words (word order free, but typo-sensitive). Unknown words pull the score down, so "wat
wordt het weer morgen" is rejected instead of answered with the nearest entry. Every index is
built once per content version; the per-message path only looks things up.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot.content import Content
from bot.text import Normalised, Normaliser

Decision = Literal["sure", "ambiguous", "not_understood"]


@dataclass(frozen=True)
class Settings:
    """Tuned on tests/data/dev_set.yaml; see docs/benchmarks.md for the numbers."""

    sure: float = 0.52  # best entry at least this: answer
    floor: float = 0.38  # below this: not understood
    margin: float = 0.06  # top two closer than this: ask "bedoelt u…?"
    candidates: int = 40  # phrasings re-scored with the token signal
    weight_chars: float = 0.55
    keyword_bonus: float = 0.08


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    language: str


@dataclass(frozen=True)
class Match:
    decision: Decision
    candidates: tuple[Candidate, ...]  # best first, at most three
    language: str

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def char_grams(text: str) -> Counter[str]:
    """Character 2-4 grams inside word boundaries (scikit-learn's char_wb)."""
    grams: Counter[str] = Counter()
    for word in text.split():
        padded = f" {word} "
        for n in (2, 3, 4):
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


@dataclass
class _Index:
    """All phrasings of one language, with their TF-IDF postings and sorted stems."""

    language: str
    entry_of: np.ndarray  # phrasing -> entry number
    sorted_stems: list[str]
    postings: dict[str, tuple[np.ndarray, np.ndarray]]
    idf: dict[str, float]
    unseen_idf: float

    @classmethod
    def build(
        cls, language: str, rows: list[tuple[int, Normalised]], normaliser: Normaliser
    ) -> _Index:
        docs = [char_grams(norm.text) for _, norm in rows]
        df: Counter[str] = Counter()
        for grams in docs:
            df.update(grams.keys())
        n = len(docs)
        idf = {g: math.log((1 + n) / (1 + c)) + 1 for g, c in df.items()}
        lists: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, grams in enumerate(docs):
            weights = {g: tf * idf[g] for g, tf in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for g, w in weights.items():
                lists[g][0].append(i)
                lists[g][1].append(w / norm)
        postings = {
            g: (np.asarray(ix, dtype=np.int32), np.asarray(ws, dtype=np.float32))
            for g, (ix, ws) in lists.items()
        }
        sorted_stems = [
            " ".join(sorted(normaliser.stems(norm.content, language))) for _, norm in rows
        ]
        return cls(
            language=language,
            entry_of=np.asarray([e for e, _ in rows], dtype=np.int32),
            sorted_stems=sorted_stems,
            postings=postings,
            idf=idf,
            unseen_idf=math.log(1 + n) + 1,
        )

    def cosine(self, text: str) -> np.ndarray:
        scores = np.zeros(len(self.entry_of), dtype=np.float32)
        grams = char_grams(text)
        if not grams:
            return scores
        norm_sq = 0.0
        for g, tf in grams.items():
            weight = tf * self.idf.get(g, self.unseen_idf)
            norm_sq += weight * weight
            posting = self.postings.get(g)
            if posting is not None:
                scores[posting[0]] += weight * posting[1]
        return scores / math.sqrt(norm_sq)


class Matcher:
    """Built from content once; match() is safe to call from any number of chats."""

    def __init__(
        self,
        content: Content,
        normaliser: Normaliser,
        settings: Settings | None = None,
        neutral: frozenset[str] = frozenset(),
    ):
        """`neutral` words (place names) say where, not what: they neither help nor hurt a match."""
        self.settings = settings or Settings()
        self.neutral = neutral
        self.normaliser = normaliser
        self.entry_ids = [e.id for e in content.faq]
        rows: dict[str, list[tuple[int, Normalised]]] = {"nl": [], "en": []}
        vocabulary: set[str] = set()
        self.keywords: list[dict[str, frozenset[str]]] = []
        for number, entry in enumerate(content.faq):
            per_language = {"nl": [*entry.vragen, entry.titel], "en": []}
            if entry.en:
                per_language["en"] = [*entry.en.vragen, entry.en.titel]
            for language, phrasings in per_language.items():
                for phrasing in phrasings:
                    norm = normaliser.normalise(phrasing)
                    if norm.content:
                        rows[language].append((number, norm))
                        vocabulary.update(norm.content)
            words = frozenset(w for k in entry.trefwoorden for w in normaliser.normalise(k).content)
            vocabulary.update(words)
            self.keywords.append(
                {lang: frozenset(normaliser.stems(tuple(words), lang)) for lang in ("nl", "en")}
            )
        self.indexes = [_Index.build(lang, r, normaliser) for lang, r in rows.items() if r]
        self.vocabulary = frozenset(vocabulary)
        self._vocabulary_list = sorted(vocabulary)
        self.english = frozenset(content.language.engelse_woorden)
        self.dutch = frozenset(content.language.nederlandse_woorden)
        self._correct = lru_cache(maxsize=50_000)(self._correct_uncached)

    def _correct_uncached(self, word: str) -> str | None:
        """The content word a typo most likely meant, or None when nothing is close."""
        if word in self.vocabulary:
            return word
        if len(word) < 4 or word.isdigit():
            return None
        cutoff = 80 if len(word) < 7 else 75
        found = process.extractOne(
            word, self._vocabulary_list, scorer=fuzz.ratio, score_cutoff=cutoff
        )
        return found[0] if found else None

    def understand(self, norm: Normalised) -> tuple[tuple[str, ...], float]:
        """Content words mapped onto the content's vocabulary, and the share that was known."""
        words = [w for w in norm.content if not (w.isdigit() or w in self.neutral)]
        out: list[str] = []
        known = 0
        i = 0
        while i < len(words):
            # "wijk agent", "fiets diefstal": two words the content writes as one.
            if i + 1 < len(words) and words[i] + words[i + 1] in self.vocabulary:
                out.append(words[i] + words[i + 1])
                known += 2
                i += 2
                continue
            corrected = self._correct(words[i])
            if corrected is None:
                out.append(words[i])
            else:
                out.append(corrected)
                known += 1
            i += 1
        share = known / len(words) if words else 0.0
        return tuple(out), share

    def language_of(self, norm: Normalised, hint: str | None = None) -> str | None:
        english = sum(t in self.english for t in norm.tokens)
        dutch = sum(t in self.dutch for t in norm.tokens)
        if english != dutch:
            return "en" if english > dutch else "nl"
        return hint if hint in ("nl", "en") else None

    def rank(self, norm: Normalised) -> list[Candidate]:
        """Every entry with a score, best first (entries with no overlap at all are left out)."""
        words, known = self.understand(norm)
        if not words or known == 0:
            return []
        text = " ".join(words)
        best: dict[int, tuple[float, str]] = {}
        s = self.settings
        for index in self.indexes:
            cosine = index.cosine(text)
            stems = self.normaliser.stems(words, index.language)
            query_sorted = " ".join(sorted(stems))
            stem_set = frozenset(stems)
            k = min(s.candidates, len(cosine))
            top = np.argpartition(-cosine, k - 1)[:k] if k < len(cosine) else range(len(cosine))
            for p in top:
                c = float(cosine[p])
                if c <= 0:
                    continue
                t = fuzz.ratio(query_sorted, index.sorted_stems[p]) / 100
                entry = int(index.entry_of[p])
                score = s.weight_chars * c + (1 - s.weight_chars) * t
                if stem_set & self.keywords[entry][index.language]:
                    score += s.keyword_bonus
                # A message half made of words the content never uses is probably about
                # something else: scale the score down with the share of unknown words.
                score *= 0.6 + 0.4 * known
                if score > best.get(entry, (0.0, ""))[0]:
                    best[entry] = (min(score, 1.0), index.language)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        return [Candidate(self.entry_ids[e], round(sc, 4), lang) for e, (sc, lang) in ranked]

    def match(self, norm: Normalised, hint: str | None = None) -> Match:
        ranked = self.rank(norm)
        detected = self.language_of(norm, hint)
        language = detected or (ranked[0].language if ranked else "nl")
        s = self.settings
        top = tuple(ranked[:3])
        if not ranked or ranked[0].score < s.floor:
            return Match("not_understood", top, language)
        first = ranked[0].score
        close = [c for c in ranked[1:3] if first - c.score < s.margin]
        if first < s.sure or close:
            return Match("ambiguous", (ranked[0], *close), language)
        return Match("sure", top, language)
