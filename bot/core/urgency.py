"""Which safety lines a message needs: 112 first for danger now, Bel M for an anonymous tip.

This runs before and apart from the FAQ matcher, so no FAQ score can outvote an emergency. The rules
are data (content/urgentie.yaml) in a tiny pattern language that operators can read:
- `ruik gas`: the words in this order, next to each other;
- `slaat + nu`: every part somewhere in the message ("mijn vader slaat mijn moeder nu");
- `verkracht*`: any word starting with this ("verkracht", "verkrachting");
- `slaat|slaan + vrouw|kind`: alternatives within a part;
- `^hoe`: only at the start of the message.
Matching is on whole words; only long words get one typo of slack, and never when the typo is
itself a known word ("gestolen" is not "gestoken").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.content.model import UrgencyFile
from bot.core.safety_model import Opinion
from bot.core.text import Normaliser

FUZZY_MIN_LENGTH = 8
FUZZY_CACHE = 8192  # distinct unknown words remembered with their danger-word readings
# Rules an animal can fire too ("kat aangereden", "hond opgesloten in een hete auto"); with no
# person in the message that is not a 112 matter. Fire, gas, weapons and suicide always are.
INJURY_RULES = frozenset({"lichaam", "ongeluk", "ongeluk_genoemd", "water", "geweld", "hond_bijt"})
# The kind of danger of a rule without `gevaar` (content/gevaar.yaml).
DEFAULT_KIND = {
    "acuut": "misdrijf",
    "acuut_als_nu": "misdrijf",
    "anoniem": "anoniem",
    "misdrijf": "misdrijf",
    "crisis": "crisis",
}
Phrase = tuple[
    str, ...
]  # words next to each other; a last word "x*" is a prefix, a first "^x" the start
Part = tuple[Phrase, ...]  # alternatives: one of them must occur
Pattern = tuple[Part, ...]  # every part must occur


@dataclass(frozen=True)
class Urgency:
    alarm: bool  # danger now: the reply opens with 112
    anonymous: bool  # the resident wants to report without their name: show Bel M
    rules: tuple[str, ...]  # ids of the rules that fired, for logs and eval
    crime: bool = False  # describes a crime (usually one that is over: aangifte)
    kind: str | None = None  # the kind of danger (content/gevaar.yaml) when alarm or crisis
    crisis: bool = False  # suicidal thoughts: show 113 (with or without the alarm)
    reasons: tuple[str, ...] = ()  # why the safety lines are there: "rule:<id>", "model:<kind> …"


def _phrase(normaliser: Normaliser, raw: str) -> Phrase | None:
    raw = raw.strip()
    anchored, star = raw.startswith("^"), raw.endswith("*")
    words = normaliser.tokens(raw.strip("^*"))
    if not words:
        return None
    if star:
        words = (*words[:-1], words[-1] + "*")
    if anchored:
        words = ("^" + words[0], *words[1:])
    return words


def _pattern(normaliser: Normaliser, text: str) -> Pattern | None:
    parts = []
    for raw_part in text.split("+"):
        alternatives = tuple(p for p in (_phrase(normaliser, a) for a in raw_part.split("|")) if p)
        if not alternatives:
            return None
        parts.append(alternatives)
    return tuple(parts)


def _patterns(normaliser: Normaliser, texts: Iterable[str]) -> tuple[Pattern, ...]:
    return tuple(p for p in (_pattern(normaliser, t) for t in texts) if p)


@dataclass(frozen=True)
class _Message:
    """The words of a message, indexed for phrase and prefix look-ups."""

    tokens: tuple[str, ...]
    grams: frozenset[Phrase]
    words: frozenset[str]  # the tokens plus the danger words their typos were read as

    def has_phrase(self, phrase: Phrase) -> bool:
        if phrase[0].startswith("^"):
            head = (phrase[0][1:], *phrase[1:])
            return _phrase_at(self.tokens, 0, head)
        if not phrase[-1].endswith("*"):
            return phrase in self.grams
        return any(_phrase_at(self.tokens, i, phrase) for i in range(len(self.tokens)))

    def has(self, patterns: Iterable[Pattern]) -> bool:
        return any(
            all(any(self.has_phrase(alt) for alt in part) for part in pattern)
            for pattern in patterns
        )


def _phrase_at(tokens: tuple[str, ...], i: int, phrase: Phrase) -> bool:
    if i + len(phrase) > len(tokens):
        return False
    *head, last = phrase
    if tuple(tokens[i : i + len(head)]) != tuple(head):
        return False
    word = tokens[i + len(head)]
    return word.startswith(last[:-1]) if last.endswith("*") else word == last


@dataclass(frozen=True)
class _PatternSet:
    """Patterns indexed by the words that can start them, so a message only tries the few
    patterns whose first word it contains (hundreds of rules, a handful of look-ups)."""

    by_word: dict[str, tuple[tuple[str, Pattern], ...]]
    by_prefix: tuple[tuple[str, tuple[tuple[str, Pattern], ...]], ...]
    order: dict[str, int]  # name -> its place in the content: reasons come in that order

    @classmethod
    def build(cls, named: Iterable[tuple[str, Pattern]]) -> _PatternSet:
        by_word: dict[str, list[tuple[str, Pattern]]] = {}
        by_prefix: dict[str, list[tuple[str, Pattern]]] = {}
        order: dict[str, int] = {}
        for name, pattern in named:
            order.setdefault(name, len(order))
            for phrase in pattern[0]:
                first = phrase[0].lstrip("^")
                if len(phrase) == 1 and first.endswith("*"):
                    by_prefix.setdefault(first[:-1], []).append((name, pattern))
                else:
                    by_word.setdefault(first, []).append((name, pattern))
        return cls(
            by_word={k: tuple(v) for k, v in by_word.items()},
            by_prefix=tuple((k, tuple(v)) for k, v in by_prefix.items()),
            order=order,
        )

    def fired(self, message: _Message) -> list[str]:
        """Names of the patterns that occur in the message, in content order (the message's
        words are a set, whose order changes with the hash seed)."""
        candidates: list[tuple[str, Pattern]] = []
        for word in message.words:
            candidates.extend(self.by_word.get(word, ()))
        if self.by_prefix:
            starts = {t[:k] for t in set(message.tokens) for k in range(1, len(t) + 1)}
            for prefix, named in self.by_prefix:
                if prefix in starts:
                    candidates.extend(named)
        names: dict[str, None] = {}
        for name, pattern in candidates:
            if name not in names and message.has((pattern,)):
                names[name] = None
        return sorted(names, key=self.order.__getitem__)

    def any(self, message: _Message) -> bool:
        return bool(self.fired(message))


Rule = tuple[str, tuple[Pattern, ...]]


def _set_of(rules: Iterable[Rule]) -> _PatternSet:
    return _PatternSet.build((name, p) for name, patterns in rules for p in patterns)


def _list_set(patterns: Iterable[Pattern]) -> _PatternSet:
    return _PatternSet.build(("", p) for p in patterns)


def _deletes(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class _Near:
    """The danger words one typo (or swapped pair) away from a word, by a deletion index.

    Why not compare with every danger word: a 4,000-character message has hundreds of words
    and the rules about a thousand long ones; two words one edit apart always share a form with
    one letter deleted, so a few dict look-ups find the only candidates worth comparing.
    """

    targets: frozenset[str]
    index: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    close: Callable[[str], tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, set[str]] = {}
        for target in self.targets:
            for key in _deletes(target):
                index.setdefault(key, set()).add(target)
        object.__setattr__(self, "index", {k: tuple(sorted(v)) for k, v in index.items()})
        object.__setattr__(self, "close", lru_cache(maxsize=FUZZY_CACHE)(self._close))

    def _close(self, word: str) -> tuple[str, ...]:
        found = {t for key in _deletes(word) for t in self.index.get(key, ())}
        return tuple(sorted(t for t in found if OSA.distance(word, t, score_cutoff=1) <= 1))


@dataclass(frozen=True)
class UrgencyDetector:
    normaliser: Normaliser
    acute: _PatternSet
    acute_if_now: _PatternSet
    anonymous: _PatternSet
    crime: _PatternSet
    now: _PatternSet
    strong_now: _PatternSet
    animals: _PatternSet
    not_acute: tuple[Phrase, ...]
    past: _PatternSet
    weak_past: _PatternSet
    calm_words: _PatternSet
    people: _PatternSet
    question: _PatternSet
    hypothetical: _PatternSet
    what_if: _PatternSet
    fuzzy: _Near
    known_words: frozenset[str]
    longest: int
    tip_rules: frozenset[str] = frozenset()  # rules an anonymous tip may calm
    kinds: tuple[tuple[str, str], ...] = ()  # rule id -> kind of danger, in file order
    short: tuple[tuple[str, int], ...] = ()  # rule id -> most words a message may have
    crisis: _PatternSet | None = None  # suicidal thoughts without a sign of immediate danger

    @classmethod
    def build(
        cls,
        rules: UrgencyFile,
        normaliser: Normaliser,
        known_words: Iterable[str] = (),
        *,
        model: bool = False,
    ) -> UrgencyDetector:
        """model: the multilingual model decides beside these rules, so a rule with `met_model`
        may ask for a now-word ("mes" alone is a kitchen as often as a threat); without the
        model every rule keeps its own `soort`, and the rules alone lose no alarm."""
        groups: dict[str, list[Rule]] = {
            k: [] for k in ("acuut", "acuut_als_nu", "anoniem", "misdrijf", "crisis")
        }
        for rule in rules.regels:
            soort = rule.met_model if model and rule.met_model else rule.soort
            groups[soort].append((rule.id, _patterns(normaliser, rule.woorden)))
        lists = {
            "now": _patterns(normaliser, rules.nu_woorden),
            "strong_now": _patterns(normaliser, rules.sterk_nu),
            "animals": _patterns(normaliser, rules.dier_woorden),
            "past": _patterns(normaliser, rules.voorbij_woorden),
            "weak_past": _patterns(normaliser, rules.zwak_voorbij),
            "calm_words": _patterns(normaliser, rules.kalm_woorden),
            "people": _patterns(normaliser, rules.persoon_woorden),
            "question": _patterns(normaliser, rules.vraag_woorden),
            "hypothetical": _patterns(normaliser, rules.hypothetisch),
            "what_if": _patterns(normaliser, rules.als_vraag),
        }
        every = [p for g in groups.values() for _, ps in g for p in ps]
        every += [p for ps in lists.values() for p in ps]
        parts = [phrase for pattern in every for part in pattern for phrase in part]
        single = [p[0] for p in parts if len(p) == 1 and p[0].isalnum()]
        idioms = (normaliser.tokens(t) for t in rules.niet_acuut)
        return cls(
            normaliser=normaliser,
            acute=_set_of(groups["acuut"]),
            acute_if_now=_set_of(groups["acuut_als_nu"]),
            anonymous=_set_of(groups["anoniem"]),
            crime=_set_of(groups["misdrijf"]),
            not_acute=tuple(sorted((i for i in idioms if i), key=len, reverse=True)),
            fuzzy=_Near(frozenset(w for w in single if len(w) >= FUZZY_MIN_LENGTH)),
            known_words=frozenset(
                {w for p in parts for w in p}
                | {w for t in rules.geen_tikfout for w in normaliser.tokens(t)}
                | set(known_words)
            ),
            longest=max(len(p) for p in parts),
            tip_rules=frozenset(rules.anoniem_kalmeert),
            kinds=tuple((r.id, r.gevaar or DEFAULT_KIND[r.soort]) for r in rules.regels),
            short=tuple((r.id, r.max_woorden) for r in rules.regels if r.max_woorden),
            crisis=_set_of(groups["crisis"]),
            **{name: _list_set(patterns) for name, patterns in lists.items()},
        )

    def _message(self, tokens: tuple[str, ...]) -> _Message:
        grams = {
            tokens[i : i + n]
            for n in range(1, self.longest + 1)
            for i in range(len(tokens) - n + 1)
        }
        # One typo (or swapped pair) of slack for long danger words ("bewustelos", "overdoiss"),
        # but a word the content knows is taken as written.
        for token in set(tokens):
            if len(token) >= FUZZY_MIN_LENGTH - 1 and token not in self.known_words:
                grams.update((target,) for target in self.fuzzy.close(token))
        words = {g[0] for g in grams if len(g) == 1}
        return _Message(tokens, frozenset(grams), frozenset(words))

    def _without_idioms(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Drops phrases like "wat nu" whose "nu" does not mean now."""
        present = set(tokens)
        out = list(tokens)
        for phrase in self.not_acute:
            if phrase[0] not in present:
                continue
            n = len(phrase)
            i = 0
            while i <= len(out) - n:
                if tuple(out[i : i + n]) == phrase:
                    del out[i : i + n]
                else:
                    i += 1
        return tuple(out)

    def detect(self, text: str) -> Urgency:
        return self.detect_tokens(self.normaliser.tokens(text))

    def detect_tokens(self, tokens: tuple[str, ...]) -> Urgency:
        message = self._message(self._without_idioms(tokens))

        acute = self._short_enough(self.acute.fired(message), tokens)
        if_now = self._short_enough(self.acute_if_now.fired(message), tokens)
        anonymous = self.anonymous.fired(message)
        strong = self.strong_now.any(message)
        is_now = strong or self.now.any(message)
        # Danger words raise the alarm unless the message is plainly about the past, a general
        # question, a game or film, or an anonymous tip; and then still when it says it is
        # happening right now. An injured animal is not a 112 matter (a dog biting a child is).
        # "was"/"waren" alone only calm the weaker rules. When in doubt: alarm.
        # A question is calm unless it also says something is happening ("wat moet ik doen, hij
        # ademt niet") or asks what to do in danger ("wat moet ik doen als er brand is": 112);
        # an "als"-question or example is calm unless it says so strongly.
        calm = self.past.any(message) or self.calm_words.any(message)
        asks_what_to_do = bool(acute) and self.what_if.any(message)
        calm = calm or (self.question.any(message) and not is_now and not asks_what_to_do)
        calm = calm or (self.hypothetical.any(message) and not strong)
        # A tip calms only what a tipster describes from a distance (weapons in a shed, a fire
        # risk); someone being hurt is 112 however much the writer wants to stay unknown.
        calm = calm or (bool(anonymous) and not is_now and set(acute) <= self.tip_rules)
        injury_only = set(acute) <= INJURY_RULES
        if injury_only and self.animals.any(message) and not self.people.any(message):
            calm = True
        weak_calm = calm or self.weak_past.any(message)
        # Someone about to take their life: not calmed by a past word or a question ("sinds
        # vannacht weg, briefje achtergelaten"); only a film or a game calms it.
        fiction = self.calm_words.any(message)
        acute_crisis = [r for r in acute if dict(self.kinds).get(r) == "crisis_acuut"]
        alarm = bool(acute) and (strong or not calm)
        alarm = alarm or (bool(acute_crisis) and not fiction)
        alarm = alarm or (bool(if_now) and (strong or (is_now and not weak_calm)))
        crime = bool(self.crime.any(message) or if_now or acute) and not alarm
        thoughts = self.crisis.fired(message) if self.crisis is not None else []
        if thoughts and strong and not alarm:  # "he is cutting himself right now": 112 first
            acute, alarm = [*acute, *thoughts], True
        # Suicidal thoughts are never calmed by a past or a question: 113 costs nothing.
        crisis = bool(thoughts) or (alarm and self._kind_of(acute + if_now) == "crisis_acuut")
        fired = tuple(acute + if_now + anonymous + thoughts)
        kind = self._kind_of(acute + if_now) if alarm else ("crisis" if crisis else None)
        if alarm and kind == "crisis":
            kind = "crisis_acuut"
        shown = [r for r in acute + if_now if alarm] + anonymous + thoughts
        return Urgency(
            alarm=alarm,
            anonymous=bool(anonymous),
            crime=crime,
            rules=fired,
            kind=kind,
            crisis=crisis,
            reasons=tuple(f"rule:{r}" for r in dict.fromkeys(shown)),
        )

    def _kind_of(self, fired: list[str]) -> str | None:
        """The kind of the most specific rule that fired: the first in the file."""
        for rule_id, kind in self.kinds:
            if rule_id in fired and kind != "paniek":
                return kind
        return "paniek" if fired else None

    def _short_enough(self, fired: list[str], tokens: tuple[str, ...]) -> list[str]:
        """Rules like "help" count only in a message of a few words: "HELP!!", not a story."""
        limits = dict(self.short)
        return [r for r in fired if r not in limits or len(tokens) <= limits[r]]


def with_opinion(rules: Urgency, opinion: Opinion | None) -> Urgency:
    """The rules' verdict with the model's added: either can raise the alarm, 113 or Bel M;
    neither can take away what the other raised."""
    if opinion is None:
        return rules
    alarm = rules.alarm or opinion.alarm
    crisis = rules.crisis or opinion.crisis
    anonymous = rules.anonymous or opinion.anonymous
    if rules.alarm and rules.kind != "paniek":
        kind: str | None = rules.kind  # a rule names its danger precisely
    elif opinion.alarm and opinion.kind != "paniek":
        kind = opinion.kind
    elif alarm:
        kind = "crisis_acuut" if crisis else "paniek"
    else:
        kind = "crisis" if crisis else None
    crisis = crisis or kind == "crisis_acuut"
    said = (
        opinion.alarm
        or (opinion.crisis and not rules.crisis)
        or (opinion.anonymous and not rules.anonymous)
    )
    return replace(
        rules,
        alarm=alarm,
        crisis=crisis,
        anonymous=anonymous,
        kind=kind,
        crime=rules.crime and not alarm,
        reasons=rules.reasons + ((opinion.reason,) if said else ()),
    )
