"""One normaliser for every matcher, so content and messages are compared in the same form.

Residents type "wie is m'n wijk agent", "fiets gejat", "Wíjkagent??". The word lists (chat
spellings, stop words) are data in content/taal.yaml, so the communications team can extend them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from bot.content.model import LanguageFile

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# Letters of every script (Cyrillic and Arabic rules in content/ must match too), digits and '.
_NON_WORD = re.compile(r"(?:[^\w']|_)+")


def fold(text: str) -> str:
    """Lower case without diacritics or curly quotes: 'Wíjkagent’s' -> "wijkagent's"."""
    if text.isascii():  # most messages: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def raw_tokens(text: str) -> list[str]:
    """Words of folded text; apostrophes stay inside words so "m'n" can be looked up."""
    return [t.strip("'") for t in _NON_WORD.split(fold(text)) if t.strip("'")]


@dataclass(frozen=True)
class Normalised:
    """A message in every form the matchers use."""

    tokens: tuple[str, ...]  # all words after chat-spelling replacement
    content: tuple[str, ...]  # without stop words
    text: str  # " ".join(content), for character n-grams


@dataclass
class Normaliser:
    """Built once per content version; normalise() is then a few dict look-ups per word."""

    replacements: dict[tuple[str, ...], tuple[str, ...]]
    stopwords: frozenset[str]
    longest: int = 1
    _firsts: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._firsts = frozenset(k[0] for k in self.replacements)

    @classmethod
    def from_content(cls, language: LanguageFile) -> Normaliser:
        replacements: dict[tuple[str, ...], tuple[str, ...]] = {}
        for source, target in language.vervangingen.items():
            key = tuple(raw_tokens(source))
            if key:
                replacements[key] = tuple(raw_tokens(target))
        stop = frozenset(w for s in language.stopwoorden for w in _plain(raw_tokens(s)))
        longest = max((len(k) for k in replacements), default=1)
        return cls(replacements=replacements, stopwords=stop, longest=longest)

    def tokens(self, text: str) -> tuple[str, ...]:
        """Folded words with chat spellings and split compounds replaced (longest match first)."""
        words = raw_tokens(text)
        out: list[str] = []
        i = 0
        firsts = self._firsts
        while i < len(words):
            if words[i] not in firsts:
                out.append(words[i])
                i += 1
                continue
            for size in range(min(self.longest, len(words) - i), 0, -1):
                target = self.replacements.get(tuple(words[i : i + size]))
                if target is not None:
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return tuple(_plain(out))

    def normalise(self, text: str) -> Normalised:
        tokens = self.tokens(text)
        content = tuple(t for t in tokens if t not in self.stopwords)
        return Normalised(tokens=tokens, content=content, text=" ".join(content))

    def stems(self, words: tuple[str, ...], language: str = "nl") -> tuple[str, ...]:
        return tuple(_stem(w, language) for w in words)


def _plain(words: list[str]) -> list[str]:
    """Drop the apostrophes kept for look-ups: "auto's" -> "autos"."""
    return [w.replace("'", "") for w in words if w.replace("'", "")]


_STEMMERS = {"nl": snowballstemmer.stemmer("dutch"), "en": snowballstemmer.stemmer("english")}


@lru_cache(maxsize=16384)  # bounded: new words in every message
def _stem(word: str, language: str) -> str:
    # Snowball's newer Dutch algorithm strips "ge-" from some words but not others; both the
    # content and the message go through this same function, so they stay comparable.
    return _STEMMERS.get(language, _STEMMERS["nl"]).stemWord(word)
