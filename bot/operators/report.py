"""`wijkbot report`: what residents asked, what the bot answered, and what it could not answer.

Usage:
    wijkbot report [--days N] [--html FILE]

For the communications team that maintains content/: volume per intent, alarms, the answer rate,
👍/👎 per intent, and the messages the bot did not understand, grouped by similarity (rapidfuzz)
with the closest existing FAQ entry, so that a person can accept "add as phrasing to <id>?" by
editing content/faq.yaml. Reads only the counters and the scrubbed learning log
(bot/operators/learning.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from bot.config import Settings
from bot.core.assistant import Assistant
from bot.operators.learning import (
    LearnedMessage,
    LearningStore,
    SqliteLearningStore,
    Totals,
    totals,
)
from bot.operators.scrub import PLACEHOLDER_RE

DEFAULT_DAYS = 30
SIMILAR = 70  # rapidfuzz token_set_ratio (0-100) over stems from which two messages are one group
# Below this mean matcher score no entry is close enough to suggest. Logged messages scored under
# the matcher's floor (0.38) by definition, so the bar sits well below it.
SUGGEST_FROM = 0.2  # a suggestion for a human to accept, so it may be generous
EXAMPLES = 3
CHART_BARS = 15


@dataclass
class Group:
    """Similar unanswered messages, with the FAQ entry they are closest to."""

    key: str
    texts: list[str] = field(default_factory=list)
    decisions: Counter[str] = field(default_factory=Counter)
    closest: str | None = None
    score: float = 0.0

    @property
    def size(self) -> int:
        return len(self.texts)

    @property
    def examples(self) -> list[str]:
        common = Counter(self.texts).most_common(EXAMPLES)
        return [text for text, _ in common]

    @property
    def suggestion(self) -> str:
        if self.closest and self.score >= SUGGEST_FROM:
            return f"add as phrasing to {self.closest}?"
        return "no close entry: a new FAQ entry?"


@dataclass(frozen=True)
class IntentRow:
    intent: str
    replies: int
    sure: int
    ambiguous: int
    not_understood: int
    alarms: int
    useful: int
    not_useful: int


@dataclass(frozen=True)
class Report:
    since: dt.date
    until: dt.date
    totals: Totals
    intents: list[IntentRow]
    groups: list[Group]
    learning: bool

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


# -- building ---------------------------------------------------------------------------------


def build_report(store: LearningStore, assistant: Assistant, days: int = DEFAULT_DAYS) -> Report:
    """The report for the last `days` days (today included); assistant: an Assistant."""
    until = store.today()
    since = until - dt.timedelta(days=max(days, 1) - 1)
    first = since.isoformat()
    return Report(
        since=since,
        until=until,
        totals=totals(store, first),
        intents=_intent_rows(store, first),
        groups=group_messages(store.messages(first), assistant),
        learning=store.learn,
    )


def _intent_rows(store: LearningStore, since: str) -> list[IntentRow]:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for c in store.reply_counts(since):
        row = rows[c.intent]
        row["replies"] += c.count
        row[c.decision] += c.count
        row["alarms"] += c.count if c.alarm else 0
    for f in store.feedback_counts(since):
        rows[f.intent]["useful" if f.useful else "not_useful"] += f.count
    result = [
        IntentRow(
            intent=intent,
            replies=r["replies"],
            sure=r["sure"],
            ambiguous=r["ambiguous"],
            not_understood=r["not_understood"],
            alarms=r["alarms"],
            useful=r["useful"],
            not_useful=r["not_useful"],
        )
        for intent, r in rows.items()
    ]
    return sorted(result, key=lambda r: (-r.replies, r.intent))


def _key(assistant: Assistant, text: str) -> str:
    """Sorted stems of the content words, without placeholders, numbers and place names.

    "kermis deventer" and "weer deventer" are about different things; the place says where.
    """
    norm = assistant.normaliser.normalise(PLACEHOLDER_RE.sub(" ", text))
    neutral: frozenset[str] = assistant.matcher.neutral
    words = tuple(w for w in norm.content if not w.isdigit() and w not in neutral)
    return " ".join(sorted(set(assistant.normaliser.stems(words))))


def group_messages(messages: list[LearnedMessage], assistant: Assistant) -> list[Group]:
    """Greedy clustering: each message joins the most similar group, or starts one.

    Similar: the same words (rapidfuzz over stems, SIMILAR), or, with the semantic layer, the
    same meaning: the same closest FAQ entry and a close embedding, so that "hoe laat is het
    bureau open" and "openingstijden politie deventer" are one group for the communications
    team, and "kermis deventer" and "weer deventer" are not. Frequent texts go first so that
    they become the groups' centres.
    """
    keyed = [(m, _key(assistant, m.text)) for m in messages]
    frequency = Counter(k for _, k in keyed)
    keyed.sort(key=lambda mk: (-frequency[mk[1]], mk[1]))
    meaning = _meaning(assistant)
    groups: list[Group] = []
    centres: list[Sense | None] = []
    for message, key in keyed:
        sense = meaning(message.text)
        best, best_score = None, 0.0
        for group, centre in zip(groups, centres, strict=True):
            score = fuzz.token_set_ratio(key, group.key) if key and group.key else 0.0
            if sense is not None and centre is not None and _same_meaning(sense, centre):
                score = max(score, 100.0)
            if score > best_score:
                best, best_score = group, score
        if best is None or (best_score < SIMILAR and best.key != key):
            best = Group(key=key)
            groups.append(best)
            centres.append(sense)
        best.texts.append(message.text)
        best.decisions[message.decision] += 1
    for group in groups:
        group.closest, group.score = _closest_entry(group, assistant)
    return sorted(groups, key=lambda g: (-g.size, g.key))


SAME_MEANING = 0.86  # cosine of two messages (e5), when their closest FAQ entry is the same
SAME_MEANING_OUTSIDE = 0.90  # … when both are closest to the out-of-scope examples (a wide class)


Sense = tuple[int, bool, np.ndarray]  # closest entry, whether that is "out of scope", vector


def _meaning(assistant: Assistant) -> Callable[[str], Sense | None]:
    """text -> its Sense, or always None without the semantic layer."""
    semantic = getattr(assistant, "semantic", None)
    if semantic is None:
        return lambda text: None

    def sense(text: str) -> Sense:
        vector = semantic.vector(PLACEHOLDER_RE.sub(" ", text))
        closest = int(np.argmax(semantic.faq.scores(vector)))
        return closest, closest == semantic.faq.size - 1, vector

    return sense


def _same_meaning(a: Sense, b: Sense) -> bool:
    if a[0] != b[0]:
        return False
    needed = SAME_MEANING_OUTSIDE if a[1] else SAME_MEANING
    return float(np.dot(a[2], b[2])) >= needed


def _closest_entry(group: Group, assistant: Assistant) -> tuple[str | None, float]:
    """The FAQ entry with the highest mean matcher score over the group's distinct texts."""
    scores: defaultdict[str, float] = defaultdict(float)
    texts = list(dict.fromkeys(group.texts))[:20]
    for text in texts:
        norm = assistant.normaliser.normalise(PLACEHOLDER_RE.sub(" ", text))
        # Only real entries: the matcher may rank internal classes (e.g. out-of-scope examples).
        ranked = [c for c in assistant.matcher.rank(norm) if assistant.content.entry(c.entry_id)]
        for candidate in ranked[:5]:
            scores[candidate.entry_id] += candidate.score
    if not scores:
        return None, 0.0
    entry = max(scores, key=scores.__getitem__)  # the first of equals, as before
    return entry, round(scores[entry] / len(texts), 3)


# -- text -------------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def format_text(report: Report) -> str:
    t = report.totals
    out = [
        f"wijkbot report {report.since} .. {report.until} ({report.days} days)",
        "",
        f"replies: {t.messages}   typed questions: {t.questions}   "
        f"answered directly: {t.answered} ({_percent(t.answered, t.questions)})   "
        f"not understood: {t.not_understood}   alarms: {t.alarms}   "
        f"👍 {t.useful}   👎 {t.not_useful}",
        "",
        "per intent",
        f"  {'intent':<28}{'replies':>8}{'sure':>6}{'ambig':>6}{'not_u':>6}{'alarm':>6}"
        f"{'👍':>5}{'👎':>5}",
    ]
    for r in report.intents:
        out.append(
            f"  {r.intent or '(none)':<28}{r.replies:>8}{r.sure:>6}{r.ambiguous:>6}"
            f"{r.not_understood:>6}{r.alarms:>6}{r.useful:>5}{r.not_useful:>5}"
        )
    out += [
        "",
        f"unanswered messages: {sum(g.size for g in report.groups)} in {len(report.groups)} groups",
    ]
    if not report.learning:
        out.append("  (learning log is off: WIJKBOT_LEARN=0)")
    for number, group in enumerate(report.groups, start=1):
        closest = f"{group.closest} ({group.score:.2f})" if group.closest else "-"
        decisions = ", ".join(f"{d} {n}" for d, n in group.decisions.most_common())
        out.append(f"  {number}. {group.size}×  closest: {closest}  → {group.suggestion}")
        out.append(f"     ({decisions})")
        out += [f'     - "{text}"' for text in group.examples]
    return "\n".join(out)


# -- HTML -------------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _bar_chart(rows: list[IntentRow]) -> str:
    """Replies per intent as an inline SVG: no script, no external file."""
    shown = [r for r in rows if r.replies][:CHART_BARS]
    if not shown:
        return "<p>No replies counted in this period.</p>"
    label_w, bar_w, row_h = 220, 420, 22
    height = row_h * len(shown) + 10
    top = max(r.replies for r in shown)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" '
        f'height="{height}" role="img" aria-label="replies per intent">'
    ]
    for i, r in enumerate(shown):
        y = 5 + i * row_h
        width = max(1, round(bar_w * r.replies / top))
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(r.intent or "(none)")}'
            f"</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 6}" '
            f'fill="#1f5fa8"><title>{_e(r.intent or "(none)")}: {r.replies}</title></rect>'
            f'<text x="{label_w + width + 6}" y="{y + 15}">{r.replies}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[object]], css: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;max-width:70rem}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}td:not(:first-child){font-variant-numeric:tabular-nums}
th{background:#eef3f9}svg text{font-size:12px}ul{margin:0;padding-left:1.2rem}
"""


SUMMARY_COLUMNS = [
    "replies",
    "typed questions",
    "answered directly",
    "answer rate",
    "not understood",
    "alarms",
    "👍",
    "👎",
]
INTENT_COLUMNS = ["intent", "replies", "sure", "ambiguous", "not understood", "alarms", "👍", "👎"]


def format_html(report: Report) -> str:
    off = "<p>The learning log is off (WIJKBOT_LEARN=0).</p>" if not report.learning else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>wijkbot report {report.since} – {report.until}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>wijkbot report</h1><p>{report.since} – {report.until} ({report.days} days)</p>"
        f"<h2>Summary</h2>{_summary_table(report.totals)}"
        f"<h2>Replies per intent</h2>{_bar_chart(report.intents)}{_intent_table(report)}"
        f"<h2>Unanswered messages, grouped</h2>{off}{_group_table(report)}"
        "<p>Accept a suggestion by adding the example as a phrasing (<code>vragen:</code>) to "
        "that entry in content/faq.yaml, then run <code>wijkbot check</code>.</p>"
        "</body></html>\n"
    )


def _summary_table(t: Totals) -> str:
    answer_rate = _percent(t.answered, t.questions)
    row = [t.messages, t.questions, t.answered, answer_rate, t.not_understood, t.alarms]
    return _table(SUMMARY_COLUMNS, [[*row, t.useful, t.not_useful]], "summary")


def _intent_table(report: Report) -> str:
    rows: list[list[object]] = [
        [r.intent or "(none)", r.replies, r.sure, r.ambiguous, r.not_understood, r.alarms]
        for r in report.intents
    ]
    for row, r in zip(rows, report.intents, strict=True):
        row += [r.useful, r.not_useful]
    return _table(INTENT_COLUMNS, rows, "intents")


def _group_table(report: Report) -> str:
    group_rows = []
    for number, g in enumerate(report.groups, start=1):
        examples = "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in g.examples) + "</ul>"
        closest = f"{_e(g.closest)} ({g.score:.2f})" if g.closest else "-"
        group_rows.append(
            f"<tr><td>{number}</td><td>{g.size}</td><td>{examples}</td>"
            f"<td>{closest}</td><td>{_e(g.suggestion)}</td></tr>"
        )
    return (
        '<table class="groups"><thead><tr><th>#</th><th>size</th><th>examples</th>'
        "<th>closest entry</th><th>suggestion</th></tr></thead><tbody>"
        + "".join(group_rows)
        + "</tbody></table>"
    )


# -- command ----------------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.assemble import semantic_layer
    from bot.content.load import load_content

    content = load_content(settings.content_dir)
    store = SqliteLearningStore.in_data_dir(
        settings, public_numbers=[line.nummer for line in content.lines.values()]
    )
    assistant = Assistant(content, semantic=semantic_layer(settings, content))
    report = build_report(store, assistant, args.days or DEFAULT_DAYS)
    print(format_text(report))
    if args.html:
        Path(args.html).write_text(format_html(report), encoding="utf-8")
        print(f"\nHTML written to {args.html}", file=sys.stderr)
    return 0
