"""Which language a message is written in, beyond Dutch and English.

Why: a resident in danger who writes Turkish, Polish, Arabic, Ukrainian or German must read the
alarm and the numbers in that language. Arabic and Ukrainian are told by their script; German,
Turkish and Polish by their common words (content/taal.yaml: talen) and the letters only they use.
Dutch and English stay with the matcher, which knows them better (bot/core/matcher.py: language_of).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SCRIPTS = {"ar": ("\u0600", "\u06ff"), "uk": ("\u0400", "\u04ff")}
LETTERS = {"tr": "şğı", "pl": "łąężźśćń", "de": "ßä"}  # letters only that language uses here
_SCRIPT_RE = {lang: re.compile(f"[{low}-{high}]") for lang, (low, high) in SCRIPTS.items()}
_WORD = re.compile(r"\w+")
_SPECIAL = str.maketrans({"ı": "i", "ł": "l", "ß": "ss"})


def fold(word: str) -> str:
    """Lower case without diacritics, the letters NFKD cannot split mapped by hand."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class LanguageGuesser:
    words: Mapping[str, frozenset[str]]  # language -> folded common words

    @classmethod
    def build(cls, lists: Mapping[str, Iterable[str]]) -> LanguageGuesser:
        return cls({lang: frozenset(fold(w) for w in words) for lang, words in lists.items()})

    def guess(self, text: str) -> str | None:
        """ "ar", "uk", "de", "tr" or "pl"; None for Dutch, English or too little to tell."""
        for language, script in _SCRIPT_RE.items():
            if len(script.findall(text)) >= 2:
                return language
        lowered = text.lower()
        tokens = Counter(_WORD.findall(fold(lowered)))
        # A long word ("pomocy", "hilfe") says more than a short one ("ja", "mi").
        scores = {
            language: sum((1 + (len(t) >= 5)) * n for t, n in tokens.items() if t in words)
            + 2 * sum(lowered.count(ch) for ch in LETTERS.get(language, ""))
            for language, words in self.words.items()
        }
        best = max(sorted(scores), key=lambda lang: scores[lang], default=None)
        if best is None or scores[best] < 2:
            return None
        return best
