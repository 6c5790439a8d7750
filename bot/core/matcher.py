"""Ranks the FAQ entries for a message and decides whether it is sure, torn, or lost.

Three signals, because each fails differently:
- character n-gram TF-IDF against every phrasing (robust to typos and word endings);
- a token-sort ratio over stemmed content words against the best phrasings (word order free);
- an entry-level term overlap: which share of the message's rare words the entry uses anywhere
  (catches long stories whose words are spread over several phrasings).
Unknown words pull the score down, so "wat wordt het weer morgen" is rejected instead of answered
with the nearest entry. Every index is built once per content version; the per-message path only
looks things up.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot.content.model import Content, FaqEntry
from bot.core import text as text_module
from bot.core.build_cache import fingerprint, load_or_build, version_of
from bot.core.regression import Regression
from bot.core.text import Normalised, Normaliser

Decision = Literal["sure", "ambiguous", "not_understood"]
LANGUAGES = ("nl", "en")
TOP = 5  # candidates rank() returns
MAX_DF = 0.03  # share of phrasings above which a character gram is too common to score with
PRUNE_FROM = 10_000  # ... once there are this many phrasings (never on the shipped content)
MAX_LENGTH_GAP = 1
LONG_WORD = 7  # from this length a typo correction may scan the whole vocabulary
INDEX_FILE = "matcher-index.pickle"  # in bot/prebuilt/ and the data directory's cache/
OUTSIDE = "__buiten_bereik__"  # the id of content/buiten_bereik.yaml's examples
ANSWER_WEIGHT = 0.2  # term weight of a stem that only the answer uses
# Per-word caches: bounded, so that varied traffic (every message a new typo) cannot grow memory.
WORD_CACHE = 8192
CORRECTIONS_CACHE = 8192


@dataclass(frozen=True)
class Settings:
    """Tuned on tests/data/dev_set.yaml; docs/benchmarks.md has the numbers."""

    sure: float = 0.50  # best entry at least this: answer
    floor: float = 0.33  # below this: not understood
    margin: float = 0.05  # top two closer than this: ask "bedoelt u…?"
    candidates: int = 40  # phrasings re-scored with the token signal
    weight_chars: float = 0.65  # char n-grams vs token-sort within the phrasing score
    weight_terms: float = 0.35  # entry-level term overlap in the final score
    keyword_bonus: float = 0.05  # a trefwoord of the entry in the message
    unknown_floor: float = 0.6  # score factor when no word of the message is known
    # With the semantic signal (bot/core/semantic.py), tuned on dev_set to dev_set_4 so that
    # "sure" was right >= 95% of the time on dev_set_2, 3 and 4 (docs/benchmarks.md):
    semantic_weight: float = 0.6  # of the meaning, against 0.4 of the words
    semantic_low: float = 0.7  # e5 cosines live in 0.7..1.0: rescaled to 0..1
    semantic_high: float = 1.0
    intent_weight: float = 0.2  # of the intent model, against 0.8 of words and nearest meaning
    fused_sure: float = 0.50
    fused_floor: float = 0.42
    fused_margin: float = 0.01


@dataclass(frozen=True)
class SemanticIndex:
    """The vectors of every phrasing (and out-of-scope example), with the entry each belongs to;
    rows are grouped by entry, in the matcher's numbering (the FAQ, then out of scope)."""

    vectors: np.ndarray  # rows x dimensions, L2-normalised
    entries: np.ndarray  # entry number of each row, non-decreasing
    size: int  # number of entries, out of scope included
    intents: Regression | None = None  # per entry, learned from the rows (bot/core/intent_model)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Per entry, the cosine of the message with its closest phrasing."""
        cosine = self.vectors @ vector
        best = np.full(self.size, -1.0)
        np.maximum.at(best, self.entries, cosine)
        return best


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


@lru_cache(maxsize=WORD_CACHE)
def _word_grams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(padded[i : i + n] for n in (2, 3, 4) for i in range(len(padded) - n + 1))


def char_grams(text: str) -> Counter[str]:
    """Character 2-4 grams inside word boundaries (scikit-learn's char_wb analyser)."""
    grams: Counter[str] = Counter()
    for word in text.split():
        grams.update(_word_grams(word))
    return grams


@dataclass(frozen=True)
class _Phrasing:
    entry: int
    language: str
    norm: Normalised


@dataclass
class _CharIndex:
    """TF-IDF of every phrasing's character n-grams as a CSR matrix (gram x phrasing).

    Both languages share it (n-grams know no language). Per message, each word is turned into
    gram ids once (cached), and the cosine with every phrasing is one vectorised gather and
    bincount, so the cost grows with the message, not with a Python loop over postings.
    """

    gram_ids: dict[str, int]
    idf: np.ndarray  # per gram id
    indptr: np.ndarray  # CSR over gram ids
    phrasing: np.ndarray  # phrasing of each stored weight
    weight: np.ndarray  # normalised tf-idf weight
    unseen_idf: float
    size: int

    @classmethod
    def build(cls, texts: list[str]) -> _CharIndex:
        docs = [char_grams(text) for text in texts]
        df: Counter[str] = Counter()
        for grams in docs:
            df.update(grams.keys())
        n = len(docs)
        gram_ids = {g: i for i, g in enumerate(df)}
        idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in gram_ids])
        rows: list[list[tuple[int, float]]] = [[] for _ in gram_ids]
        # Grams in more than MAX_DF of all phrasings ("en ", " de") add almost nothing to a
        # cosine but most of its cost on large content: they count in the norms, not the sums.
        common = MAX_DF * n if n >= PRUNE_FROM else n
        for doc, grams in enumerate(docs):
            weights = {g: tf * idf[gram_ids[g]] for g, tf in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for g, w in weights.items():
                if df[g] <= common:
                    rows[gram_ids[g]].append((doc, w / norm))
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        flat = [pair for row in rows for pair in row]
        return cls(
            gram_ids=gram_ids,
            idf=idf,
            indptr=indptr,
            phrasing=np.array([d for d, _ in flat], dtype=np.int32),
            weight=np.array([w for _, w in flat]),
            unseen_idf=math.log(1 + n) + 1,
            size=n,
        )

    def __post_init__(self) -> None:
        self._word_ids = lru_cache(maxsize=WORD_CACHE)(self._word_ids_uncached)

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_word_ids"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def _word_ids_uncached(self, word: str) -> tuple[int, ...]:
        return tuple(self.gram_ids.get(g, -1) for g in _word_grams(word))

    def cosine(self, text: str) -> np.ndarray:
        """Cosine of the message with every phrasing."""
        counts = Counter(i for word in text.split() for i in self._word_ids(word))
        unknown = counts.pop(-1, 0)
        if not counts:
            return np.zeros(self.size)
        grams = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        q = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) * self.idf[grams]
        norm = math.sqrt(float(q @ q) + unknown * unknown * self.unseen_idf**2)
        starts, ends = self.indptr[grams], self.indptr[grams + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        positions = offsets + np.arange(total)
        values = self.weight[positions] * np.repeat(q, lengths)
        return np.bincount(self.phrasing[positions], weights=values, minlength=self.size) / norm


@dataclass
class _EntryTerms:
    """Which entries use a stem anywhere, weighted by how rare the stem is across entries."""

    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # stem -> (entries, weight * idf)
    idf: dict[str, float]
    unseen_idf: float
    size: int

    @classmethod
    def build(cls, uses: dict[str, dict[int, float]], entries: int) -> _EntryTerms:
        idf = {stem: math.log(1 + entries / len(per)) for stem, per in uses.items()}
        postings = {
            stem: (
                np.fromiter(per.keys(), dtype=np.int32, count=len(per)),
                np.fromiter((min(1.0, w) * idf[stem] for w in per.values()), dtype=np.float64),
            )
            for stem, per in uses.items()
        }
        return cls(postings=postings, idf=idf, unseen_idf=math.log(1 + entries), size=entries)

    def scores(self, stems: Iterable[str]) -> np.ndarray:
        """Per entry, the share of the message's idf-weighted stems that it uses."""
        stems = sorted(set(stems))  # sorted: a float sum must not depend on the hash seed
        total = sum(self.idf.get(s, self.unseen_idf) for s in stems)
        found = [self.postings[s] for s in stems if s in self.postings]
        if not found or not total:
            return np.zeros(self.size)
        entries = np.concatenate([f[0] for f in found])
        weights = np.concatenate([f[1] for f in found])
        return np.bincount(entries, weights=weights, minlength=self.size) / total


def _deletes(word: str) -> set[str]:
    """The word and every form of it with one letter deleted."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletion_index(vocabulary: Iterable[str]) -> dict[str, tuple[str, ...]]:
    index: dict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        if len(word) >= 3:
            for key in _deletes(word):
                index[key].add(word)
    return {key: tuple(sorted(words)) for key, words in index.items()}


def _entry_phrasings(entry: FaqEntry) -> dict[str, list[str]]:
    phrasings = {"nl": [*entry.vragen, entry.titel], "en": []}
    if entry.en:
        phrasings["en"] = [*entry.en.vragen, entry.en.titel]
    return phrasings


@dataclass
class MatcherIndex:
    """Everything the matcher looks up, built from content once (and stored: bot/build_cache)."""

    entry_ids: list[str]
    phrasings: list[_Phrasing]
    chars: _CharIndex
    terms: _EntryTerms
    keywords: dict[str, np.ndarray]  # stem -> entries that have it as a trefwoord
    sorted_stems: list[str]  # per phrasing, for the token-sort ratio
    vocabulary: frozenset[str]
    near: dict[str, tuple[str, ...]]  # deletion index over the vocabulary
    by_length: dict[int, list[str]]  # the vocabulary by word length, sorted


def build_index(content: Content, normaliser: Normaliser) -> MatcherIndex:
    entry_ids = [e.id for e in content.faq]
    phrasings: list[_Phrasing] = []
    vocabulary: set[str] = set()
    uses: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    keyword_entries: dict[str, set[int]] = defaultdict(set)

    def add(number: int, language: str, text: str) -> None:
        norm = normaliser.normalise(text)
        if norm.content:
            phrasings.append(_Phrasing(number, language, norm))
            vocabulary.update(norm.content)
            for stem in set(normaliser.stems(norm.content, language)):
                uses[stem][number] += 0.25

    for number, entry in enumerate(content.faq):
        for language, texts in _entry_phrasings(entry).items():
            for text in texts:
                add(number, language, text)
        # The answer's own words are weak evidence (it mentions neighbouring topics too).
        for language in LANGUAGES:
            answer = normaliser.normalise(entry.answer_in(language)).content
            for stem in set(normaliser.stems(answer, language)):
                uses[stem][number] += 0.0
        words = tuple(w for k in entry.trefwoorden for w in normaliser.normalise(k).content)
        vocabulary.update(words)
        for stem in {s for lang in LANGUAGES for s in normaliser.stems(words, lang)}:
            uses[stem][number] += 1.0
            keyword_entries[stem].add(number)
    # Messages the bot should not answer form one more, invisible entry; winning it means
    # "not understood".
    outside = len(entry_ids)
    for text in content.out_of_scope.vragen:
        add(outside, "nl", text)
    for text in content.out_of_scope.en:
        add(outside, "en", text)
    for per in uses.values():
        for entry_number in per:
            per[entry_number] = min(1.0, ANSWER_WEIGHT + 2 * per[entry_number])
    by_length: dict[int, list[str]] = defaultdict(list)
    for word in sorted(vocabulary):
        by_length[len(word)].append(word)
    return MatcherIndex(
        entry_ids=entry_ids,
        phrasings=phrasings,
        chars=_CharIndex.build([p.norm.text for p in phrasings]),
        terms=_EntryTerms.build(uses, len(entry_ids) + 1),
        keywords={
            stem: np.fromiter(sorted(es), dtype=np.int32) for stem, es in keyword_entries.items()
        },
        sorted_stems=[
            " ".join(sorted(normaliser.stems(p.norm.content, p.language))) for p in phrasings
        ],
        vocabulary=frozenset(vocabulary),
        near=_deletion_index(vocabulary),
        by_length=dict(by_length),
    )


def index_for(
    content: Content, normaliser: Normaliser, data_dir: Path | None = None
) -> MatcherIndex:
    """The index of this content: the stored one when nothing it reads has changed."""
    build = lambda: build_index(content, normaliser)  # noqa: E731
    return load_or_build(INDEX_FILE, index_key(content), build, data_dir)


def index_key(content: Content) -> str:
    """What the index is built from: the content it reads and the code that reads it."""
    return fingerprint(
        content.faq,
        content.out_of_scope,
        content.language,
        sys.modules[__name__],
        text_module,
        version_of("snowballstemmer"),
        version_of("PyStemmer"),
    )


class Matcher:
    """Built from content once; match() is safe to call from any number of chats."""

    def __init__(
        self,
        content: Content,
        normaliser: Normaliser,
        settings: Settings | None = None,
        neutral: frozenset[str] = frozenset(),
        semantic: SemanticIndex | None = None,
        index: MatcherIndex | None = None,
    ):
        """`neutral` words (place names) say where, not what: they neither help nor hurt."""
        self.settings = settings or Settings()
        self.semantic = semantic
        self.neutral = neutral
        self.normaliser = normaliser
        index = index or build_index(content, normaliser)
        self.entry_ids = index.entry_ids
        self.phrasings = index.phrasings
        self.outside = len(self.entry_ids)
        self.chars = index.chars
        self.terms = index.terms
        self.keywords = index.keywords
        self.sorted_stems = index.sorted_stems
        self._number = {entry_id: i for i, entry_id in enumerate(self.entry_ids)}
        self.entry_of = np.asarray([p.entry for p in self.phrasings], dtype=np.int32)
        self.vocabulary = index.vocabulary
        self._near = index.near
        self._by_length = index.by_length
        self.english = frozenset(content.language.engelse_woorden)
        self.dutch = frozenset(content.language.nederlandse_woorden)
        self._correct = lru_cache(maxsize=CORRECTIONS_CACHE)(self._correct_uncached)

    def _correct_uncached(self, word: str) -> str | None:
        """The content word a typo most likely meant, or None when nothing is close.

        Candidates come from a deletion index (SymSpell): words that become equal after
        deleting at most one letter from each, i.e. one or two typos apart. That is a few dict
        look-ups instead of a scan of the whole vocabulary.
        """
        if word in self.vocabulary:
            return word
        if len(word) < 4 or word.isdigit():
            return None
        cutoff = 80 if len(word) < 7 else 75
        # A typo rarely changes a word's length by more than a letter (two in a long word); a
        # bigger gap is another word ("verlengen" is not "velgen", "hema" is not "hem").
        gap = MAX_LENGTH_GAP + (len(word) >= LONG_WORD)
        # Sorted: with equal scores extractOne keeps the first, and a set's order changes with
        # PYTHONHASHSEED (52 of 2,482 answers changed between two runs of the same code).
        candidates = sorted(
            {
                c
                for key in _deletes(word)
                for c in self._near.get(key, ())
                if abs(len(c) - len(word)) <= gap
            }
        )
        found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None and len(word) >= LONG_WORD:
            # Long words can carry two typos apart; scan the vocabulary once (then cached).
            nearby = range(len(word) - gap, len(word) + gap + 1)
            found = process.extractOne(
                word,
                sorted(c for n in nearby for c in self._by_length.get(n, ())),
                scorer=fuzz.ratio,
                score_cutoff=cutoff,
            )
        return found[0] if found else None

    def understand(self, norm: Normalised) -> tuple[tuple[str, ...], float]:
        """Content words mapped onto the content's vocabulary, and the share that was known."""
        # House numbers and place names say where, not what; numbers the content uses (112,
        # 0900, 144) do say what.
        words = [
            w
            for w in norm.content
            if w in self.vocabulary or not (w.isdigit() or w in self.neutral)
        ]
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
            out.append(corrected or words[i])
            known += corrected is not None
            i += 1
        return tuple(out), (known / len(words) if words else 0.0)

    def language_of(self, norm: Normalised, hint: str | None = None) -> str | None:
        english = sum(t in self.english for t in norm.tokens)
        dutch = sum(t in self.dutch for t in norm.tokens)
        if english != dutch:
            return "en" if english > dutch else "nl"
        return hint if hint in LANGUAGES else None

    def rank(
        self,
        norm: Normalised,
        prefer: Mapping[str, float] | None = None,
        vector: np.ndarray | None = None,
        foreign: bool = False,
    ) -> list[Candidate]:
        """The best entries with a score in 0..1, best first.

        vector: the message's embedding: the words' score and the meaning's are blended. foreign:
        a language the words of the content do not know (Turkish, Polish…): meaning only.
        """
        combined, language = self._lexical(norm, prefer)
        if vector is not None and self.semantic is not None:
            s = self.settings
            span = s.semantic_high - s.semantic_low
            meaning = np.clip((self.semantic.scores(vector) - s.semantic_low) / span, 0.0, 1.0)
            weight = 1.0 if foreign else s.semantic_weight
            combined = (1 - weight) * combined + weight * meaning
            if self.semantic.intents is not None:
                learned = self.semantic.intents.probabilities(vector[None, :])[0]
                combined = (1 - s.intent_weight) * combined + s.intent_weight * learned
        n = min(TOP, len(combined))
        best = np.argpartition(-combined, n - 1)[:n]
        best = best[np.argsort(-combined[best], kind="stable")]
        return [
            Candidate(self._id(e), round(float(combined[e]), 4), language.get(e, "nl"))
            for e in best
            if combined[e] > 0
        ]

    def _lexical(
        self, norm: Normalised, prefer: Mapping[str, float] | None
    ) -> tuple[np.ndarray, dict[int, str]]:
        """Per entry the words' score (characters, token order, terms), and each entry's best
        phrasing's language."""
        combined = np.zeros(len(self.entry_ids) + 1)
        language: dict[int, str] = {}
        words, known = self.understand(norm)
        if not words or known == 0:
            return combined, language
        s = self.settings
        stems = {lang: self.normaliser.stems(words, lang) for lang in LANGUAGES}
        query_sorted = {lang: " ".join(sorted(st)) for lang, st in stems.items()}
        all_stems = sorted(frozenset(stems["nl"]) | frozenset(stems["en"]))
        cosine = self.chars.cosine(" ".join(words))
        k = min(s.candidates, len(cosine))
        top = np.argpartition(-cosine, k - 1)[:k] if k < len(cosine) else range(len(cosine))
        phrase = np.zeros(len(self.entry_ids) + 1)
        for p in top:
            c = float(cosine[p])
            if c <= 0:
                continue
            phrasing = self.phrasings[p]
            t = fuzz.ratio(query_sorted[phrasing.language], self.sorted_stems[p]) / 100
            score = s.weight_chars * c + (1 - s.weight_chars) * t
            if score > phrase[phrasing.entry]:
                phrase[phrasing.entry] = score
                language[phrasing.entry] = phrasing.language
        combined = (1 - s.weight_terms) * phrase + s.weight_terms * self.terms.scores(all_stems)
        for stem in all_stems:
            entries = self.keywords.get(stem)
            if entries is not None:
                combined[entries] += s.keyword_bonus
        for entry_id, bonus in (prefer or {}).items():
            combined[self._number[entry_id]] += bonus
        # A message half made of words the content never uses is probably about something
        # else: scale the score down with the share of unknown words.
        scale = s.unknown_floor + (1 - s.unknown_floor) * known
        return np.minimum(1.0, combined * scale), language

    def _id(self, number: int) -> str:
        return OUTSIDE if number == self.outside else self.entry_ids[number]

    def match(
        self,
        norm: Normalised,
        hint: str | None = None,
        prefer: Mapping[str, float] | None = None,
        vector: np.ndarray | None = None,
        foreign: bool = False,
    ) -> Match:
        ranked = self.rank(norm, prefer, vector, foreign)
        detected = self.language_of(norm, hint)
        language = detected or (ranked[0].language if ranked else "nl")
        s = self.settings
        fused = vector is not None and self.semantic is not None
        floor, sure, margin = (
            (s.fused_floor, s.fused_sure, s.fused_margin) if fused else (s.floor, s.sure, s.margin)
        )
        if not ranked or ranked[0].score < floor or ranked[0].entry_id == OUTSIDE:
            rest = tuple(c for c in ranked if c.entry_id != OUTSIDE)[:3]
            return Match("not_understood", rest, language)
        ranked = [c for c in ranked if c.entry_id != OUTSIDE]
        first = ranked[0].score
        close = [c for c in ranked[1:3] if first - c.score < margin]
        if first < sure or close:
            return Match("ambiguous", (ranked[0], *close), language)
        return Match("sure", tuple(ranked[:3]), language)
