"""Which safety lines a message needs: 112 first for danger now, Bel M for an anonymous tip.

This runs before and apart from the FAQ matcher, so no FAQ score can outvote an emergency. The rules
are data (content/urgentie.yaml). Matching is on whole words and phrases; only long words get one
typo of slack, and never when the typo is itself a known word ("gestolen" is not "gestoken").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.content import UrgencyFile
from bot.text import Normaliser

FUZZY_MIN_LENGTH = 9


@dataclass(frozen=True)
class Urgency:
    alarm: bool  # danger now: the reply opens with 112
    anonymous: bool  # the resident wants to report without their name: show Bel M
    rules: tuple[str, ...]  # ids of the rules that fired, for logs and eval
    crime: bool = False  # describes a crime (usually one that is over: aangifte)


def _phrases(normaliser: Normaliser, words: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(t for t in (normaliser.tokens(w) for w in words) if t)


@dataclass(frozen=True)
class UrgencyDetector:
    normaliser: Normaliser
    acute: tuple[tuple[str, frozenset[tuple[str, ...]]], ...]
    acute_if_now: tuple[tuple[str, frozenset[tuple[str, ...]]], ...]
    anonymous: tuple[tuple[str, frozenset[tuple[str, ...]]], ...]
    crime: tuple[tuple[str, frozenset[tuple[str, ...]]], ...]
    now: frozenset[tuple[str, ...]]
    strong_now: frozenset[tuple[str, ...]]
    animals: frozenset[tuple[str, ...]]
    not_acute: tuple[tuple[str, ...], ...]
    past: frozenset[tuple[str, ...]]
    question: frozenset[tuple[str, ...]]
    fuzzy_targets: frozenset[str]
    known_words: frozenset[str]
    longest: int

    @classmethod
    def build(
        cls, rules: UrgencyFile, normaliser: Normaliser, known_words: Iterable[str] = ()
    ) -> UrgencyDetector:
        groups: dict[str, list[tuple[str, frozenset[tuple[str, ...]]]]] = {
            "acuut": [],
            "acuut_als_nu": [],
            "anoniem": [],
            "misdrijf": [],
        }
        for rule in rules.regels:
            groups[rule.soort].append((rule.id, _phrases(normaliser, rule.woorden)))
        all_phrases = [p for group in groups.values() for _, ps in group for p in ps]
        now = _phrases(normaliser, rules.nu_woorden)
        strong_now = _phrases(normaliser, rules.sterk_nu)
        animals = _phrases(normaliser, rules.dier_woorden)
        not_acute = tuple(sorted(_phrases(normaliser, rules.niet_acuut), key=len, reverse=True))
        past = _phrases(normaliser, rules.voorbij_woorden)
        question = _phrases(normaliser, rules.vraag_woorden)
        longest = max(len(p) for p in [*all_phrases, *now, *strong_now, *past, *question])
        fuzzy = frozenset(
            p[0] for p in all_phrases if len(p) == 1 and len(p[0]) >= FUZZY_MIN_LENGTH
        )
        words = {w for p in all_phrases for w in p} | set(known_words)
        return cls(
            normaliser=normaliser,
            acute=tuple(groups["acuut"]),
            acute_if_now=tuple(groups["acuut_als_nu"]),
            anonymous=tuple(groups["anoniem"]),
            crime=tuple(groups["misdrijf"]),
            now=now,
            strong_now=strong_now,
            animals=animals,
            not_acute=not_acute,
            past=past,
            question=question,
            fuzzy_targets=fuzzy,
            known_words=frozenset(words),
            longest=longest,
        )

    def _grams(self, tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
        grams = {
            tokens[i : i + n]
            for n in range(1, self.longest + 1)
            for i in range(len(tokens) - n + 1)
        }
        # One typo of slack for long danger words ("bewustelos", "inbrekerss"), but a word the
        # content knows is taken as written.
        for token in tokens:
            if len(token) >= FUZZY_MIN_LENGTH - 1 and token not in self.known_words:
                for target in self.fuzzy_targets:
                    if Levenshtein.distance(token, target, score_cutoff=1) <= 1:
                        grams.add((target,))
        return grams

    def detect(self, text: str) -> Urgency:
        return self.detect_tokens(self.normaliser.tokens(text))

    def _without_idioms(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Drops phrases like "wat nu" whose "nu" does not mean now."""
        out = list(tokens)
        for phrase in self.not_acute:
            n = len(phrase)
            i = 0
            while i <= len(out) - n:
                if tuple(out[i : i + n]) == phrase:
                    del out[i : i + n]
                else:
                    i += 1
        return tuple(out)

    def detect_tokens(self, tokens: tuple[str, ...]) -> Urgency:
        grams = self._grams(self._without_idioms(tokens))

        def fired(groups: tuple[tuple[str, frozenset[tuple[str, ...]]], ...]) -> list[str]:
            return [rule_id for rule_id, phrases in groups if phrases & grams]

        acute = fired(self.acute)
        if_now = fired(self.acute_if_now)
        anonymous = fired(self.anonymous)
        strong = bool(self.strong_now & grams)
        is_now = strong or bool(self.now & grams)
        # Danger words raise the alarm unless the message is plainly about the past, a general
        # question, an animal or an anonymous tip; and then still when it says it is happening
        # right now. When in doubt: alarm.
        calm = bool((self.past | self.question | self.animals) & grams)
        calm = calm or (bool(anonymous) and not is_now)
        alarm = bool(acute) and (strong or not calm)
        alarm = alarm or (bool(if_now) and (strong or (is_now and not calm)))
        crime = bool(fired(self.crime) or if_now or acute) and not alarm
        return Urgency(
            alarm=alarm,
            anonymous=bool(anonymous),
            crime=crime,
            rules=tuple(acute + if_now + anonymous),
        )
