"""The learning log: what the bot could not answer, scrubbed, so people can improve the content.

Kept in the data directory next to the wijk memory (same SQLite file, same `Database` pattern as
bot/storage.py), and behind a small Protocol so that a server database can replace it.

What is stored, and nothing more (see docs/privacy.md):
- per message that was not understood or ambiguous, and per answer rated 👎: the text scrubbed of
  personal data (bot/operators/scrub.py), the decision, the top intents with scores, the content
  version and
  the day. No user id, chat id, name or time of day.
- per day: how many replies per intent, decision and alarm, and how many 👍/👎 per intent.
Rows older than the retention (WIJKBOT_RETENTION_DAYS) are purged; WIJKBOT_LEARN=0 stops the
text log entirely (the numbers-only counters keep counting, they hold nothing about anyone).

The Telegram handlers call one line each: `count_reply(store, reply)` for every reply,
`log_reply(store, text, reply, version)` for every text message, `log_feedback(...)` for 👍/👎.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from bot.config import Settings
from bot.core.messages import Reply
from bot.operators.scrub import Scrubber
from bot.storage import Database

LOGGED_DECISIONS = ("not_understood", "ambiguous")
THUMBS_DOWN = "thumbs_down"  # the decision stored for a 👎 on an answer
MODEL_ALARM = "model_alarm"  # the safety model alone raised 112 or 113: worth a human look
MAX_TEXT_CHARS = 500  # a long story is cut: the start is enough to see what was asked
TOP_INTENTS = 3


@dataclass(frozen=True)
class LearnedMessage:
    day: str  # ISO date, no time
    decision: str  # not_understood, ambiguous or thumbs_down
    text: str  # scrubbed
    top: tuple[tuple[str, float | None], ...]  # (intent, score) best first; score None if unknown
    content_version: str
    intent: str | None = None  # the answer that got the 👎, or the best guess
    reasons: tuple[str, ...] = ()  # why the alarm fired: "rule:<id>", "model:<kind> <score>"


@dataclass(frozen=True)
class ReplyCount:
    day: str
    intent: str  # "" when the reply had no intent
    decision: str
    alarm: bool
    count: int


@dataclass(frozen=True)
class FeedbackCount:
    day: str
    intent: str
    useful: bool
    count: int


class LearningStore(Protocol):
    """What the bot and `wijkbot report` need; the SQLite class below is one implementation."""

    learn: bool
    retention_days: int
    scrubber: Scrubber

    def today(self) -> dt.date: ...

    def add_message(self, message: LearnedMessage) -> None: ...

    def add_reply(self, day: str, intent: str, decision: str, alarm: bool) -> None: ...

    def add_feedback(self, day: str, intent: str, useful: bool) -> None: ...

    def messages(self, since: str) -> list[LearnedMessage]: ...

    def reply_counts(self, since: str) -> list[ReplyCount]: ...

    def feedback_counts(self, since: str) -> list[FeedbackCount]: ...

    def purge(self, before: str) -> int: ...


class SqliteLearningStore:
    """LearningStore in the shared SQLite file; three small tables, none with a user column."""

    DDL: ClassVar[dict[str, str]] = {
        "learning_log": (
            "CREATE TABLE IF NOT EXISTS learning_log ("
            " day TEXT NOT NULL,"
            " decision TEXT NOT NULL,"
            " text TEXT NOT NULL,"  # scrubbed
            " top_intents TEXT NOT NULL,"  # JSON [[intent, score], ...]
            " content_version TEXT NOT NULL,"
            " intent TEXT,"
            " reasons TEXT)"  # JSON ["rule:brand", "model:medisch 0.91"]; schema version 2
        ),
        "reply_counts": (
            "CREATE TABLE IF NOT EXISTS reply_counts ("
            " day TEXT NOT NULL, intent TEXT NOT NULL, decision TEXT NOT NULL,"
            " alarm INTEGER NOT NULL, count INTEGER NOT NULL,"
            " PRIMARY KEY (day, intent, decision, alarm))"
        ),
        "feedback_counts": (
            "CREATE TABLE IF NOT EXISTS feedback_counts ("
            " day TEXT NOT NULL, intent TEXT NOT NULL, useful INTEGER NOT NULL,"
            " count INTEGER NOT NULL, PRIMARY KEY (day, intent, useful))"
        ),
    }

    def __init__(
        self,
        database: Database,
        *,
        learn: bool = True,
        retention_days: int = 90,
        scrubber: Scrubber | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.database = database
        self.learn = learn
        self.retention_days = retention_days
        self.scrubber = scrubber or Scrubber()
        self._today = today
        for name, ddl in self.DDL.items():
            database.table(name, ddl)

    @classmethod
    def in_data_dir(
        cls,
        settings: Settings,
        *,
        public_numbers: Iterable[str] = (),
        database: Database | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> SqliteLearningStore:
        """The bot's store; public_numbers (the line registry) survive scrubbing."""
        return cls(
            database or Database.in_data_dir(settings),
            learn=settings.learn,
            retention_days=settings.retention_days,
            scrubber=Scrubber.for_numbers(public_numbers),
            today=today,
        )

    def today(self) -> dt.date:
        return self._today()

    def add_message(self, message: LearnedMessage) -> None:
        if not self.learn:
            return
        with self.database.cursor("learning_log") as cur:
            cur.execute(
                "INSERT INTO learning_log"
                " (day, decision, text, top_intents, content_version, intent, reasons)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    message.day,
                    message.decision,
                    message.text,
                    json.dumps([list(t) for t in message.top]),
                    message.content_version,
                    message.intent,
                    json.dumps(list(message.reasons)),
                ),
            )

    def add_reply(self, day: str, intent: str, decision: str, alarm: bool) -> None:
        with self.database.cursor("reply_counts") as cur:
            cur.execute(
                "INSERT INTO reply_counts (day, intent, decision, alarm, count)"
                " VALUES (?, ?, ?, ?, 1) ON CONFLICT(day, intent, decision, alarm)"
                " DO UPDATE SET count = count + 1",
                (day, intent, decision, int(alarm)),
            )

    def add_feedback(self, day: str, intent: str, useful: bool) -> None:
        with self.database.cursor("feedback_counts") as cur:
            cur.execute(
                "INSERT INTO feedback_counts (day, intent, useful, count) VALUES (?, ?, ?, 1)"
                " ON CONFLICT(day, intent, useful) DO UPDATE SET count = count + 1",
                (day, intent, int(useful)),
            )

    def _select(self, table: str, sql: str, params: tuple[object, ...]) -> list[Any]:
        with self.database.cursor(table) as cur:
            return cur.execute(sql, params).fetchall()

    def messages(self, since: str) -> list[LearnedMessage]:
        rows = self._select(
            "learning_log",
            "SELECT day, decision, text, top_intents, content_version, intent, reasons"
            " FROM learning_log WHERE day >= ? ORDER BY day, text",
            (since,),
        )
        return [
            LearnedMessage(
                day=day,
                decision=decision,
                text=text,
                top=tuple((str(i), s) for i, s in json.loads(top)),
                content_version=version,
                intent=intent,
                reasons=tuple(json.loads(reasons or "[]")),
            )
            for day, decision, text, top, version, intent, reasons in rows
        ]

    def reply_counts(self, since: str) -> list[ReplyCount]:
        rows = self._select(
            "reply_counts",
            "SELECT day, intent, decision, alarm, count FROM reply_counts"
            " WHERE day >= ? ORDER BY day, intent",
            (since,),
        )
        return [ReplyCount(d, i, dec, bool(a), c) for d, i, dec, a, c in rows]

    def feedback_counts(self, since: str) -> list[FeedbackCount]:
        rows = self._select(
            "feedback_counts",
            "SELECT day, intent, useful, count FROM feedback_counts"
            " WHERE day >= ? ORDER BY day, intent",
            (since,),
        )
        return [FeedbackCount(d, i, bool(u), c) for d, i, u, c in rows]

    def purge(self, before: str) -> int:
        """Deletes every row of a day before `before`; the freed pages are overwritten."""
        removed = 0
        for table in self.DDL:
            with self.database.cursor(table) as cur:
                # Without secure_delete SQLite leaves deleted text in free pages of the file.
                cur.execute("PRAGMA secure_delete = ON")
                cur.execute(f"DELETE FROM {table} WHERE day < ?", (before,))
                removed += cur.rowcount
        with self.database.cursor("learning_log") as cur:
            # Deleted rows may still sit in the write-ahead log until a checkpoint.
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed


# -- one-line helpers for the handlers --------------------------------------------------------


def _day(store: LearningStore) -> str:
    return store.today().isoformat()


def ranked_of(reply: Reply) -> list[tuple[str, float]] | None:
    """The candidates as the core ranked them for its decision (None: the reply has none)."""
    return [(c.entry_id, c.score) for c in reply.candidates] or None


def _top_from_reply(reply: Reply) -> tuple[tuple[str, float | None], ...]:
    """Without the matcher: the reply's own guess, and for "bedoelt u…?" the offered entries."""
    top: list[tuple[str, float | None]] = []
    if reply.intent:
        top.append((reply.intent, round(reply.confidence, 4)))
    if reply.decision == "ambiguous":
        for button in reply.buttons:
            kind, _, entry = button.payload.partition(":")
            if kind == "faq" and entry and all(entry != t[0] for t in top):
                top.append((entry, None))
    return tuple(top[:TOP_INTENTS])


def should_log(reply: Reply) -> bool:
    """Unanswered questions, and alarms only the model raised (the rules may be missing one)."""
    return reply.decision in LOGGED_DECISIONS or _model_alone(reply)


def _model_alone(reply: Reply) -> bool:
    raised = reply.alarm or reply.crisis_text is not None
    return raised and bool(reply.reasons) and all(r.startswith("model:") for r in reply.reasons)


def log_reply(
    store: LearningStore,
    query_text: str,
    reply: Reply,
    content_version: str,
    *,
    ranked: Sequence[tuple[str, float]] | None = None,
) -> bool:
    """Logs a typed message the bot did not answer directly; True when a row was written.

    ranked: the matcher's top intents (see top_intents) when the caller has the assistant;
    otherwise the reply's own guess is stored.
    """
    if not store.learn or not should_log(reply) or not query_text.strip():
        return False
    top = tuple((i, round(s, 4)) for i, s in ranked[:TOP_INTENTS]) if ranked else None
    store.add_message(
        LearnedMessage(
            day=_day(store),
            decision=MODEL_ALARM if _model_alone(reply) else reply.decision,
            text=scrub_for_log(store, query_text),
            top=top if top is not None else _top_from_reply(reply),
            content_version=content_version,
            intent=reply.intent,
            reasons=reply.reasons,
        )
    )
    return True


def scrub_for_log(store: LearningStore, text: str) -> str:
    """Scrubbed first, then cut: cutting first could leave half a phone number behind."""
    scrubbed = store.scrubber.scrub(" ".join(text.split()))
    return scrubbed if len(scrubbed) <= MAX_TEXT_CHARS else scrubbed[:MAX_TEXT_CHARS] + "…"


def count_reply(store: LearningStore, reply: Reply) -> None:
    """One more reply for today's counters: intent, decision and alarm; nothing about anyone."""
    store.add_reply(_day(store), reply.intent or "", reply.decision, reply.alarm)


def log_feedback(
    store: LearningStore,
    intent: str,
    useful: bool,
    *,
    query_text: str | None = None,
    content_version: str = "",
) -> None:
    """Counts a 👍/👎 for an answer; a 👎 with the question also goes to the learning log.

    The question must come from memory of the running process (not from persisted state):
    the handler that shows the buttons decides how long it keeps it.
    """
    store.add_feedback(_day(store), intent, useful)
    if useful or not store.learn or not query_text or not query_text.strip():
        return
    store.add_message(
        LearnedMessage(
            day=_day(store),
            decision=THUMBS_DOWN,
            text=scrub_for_log(store, query_text),
            top=((intent, None),),
            content_version=content_version,
            intent=intent,
        )
    )


def purge_expired(store: LearningStore) -> int:
    """Removes rows older than the retention; run at start-up and daily (JobQueue)."""
    cutoff = store.today() - dt.timedelta(days=store.retention_days)
    return store.purge(cutoff.isoformat())


# -- /stats for admins ------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    messages: int = 0
    answered: int = 0  # decision "sure"
    questions: int = 0  # sure + ambiguous + not_understood: typed questions
    not_understood: int = 0
    alarms: int = 0
    useful: int = 0
    not_useful: int = 0

    @property
    def answer_rate(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


def totals(store: LearningStore, since: str, until: str | None = None) -> Totals:
    """Sums of the counters for days in [since, until]."""
    counts = [c for c in store.reply_counts(since) if until is None or c.day <= until]
    feedback = [f for f in store.feedback_counts(since) if until is None or f.day <= until]
    return Totals(
        messages=sum(c.count for c in counts),
        answered=sum(c.count for c in counts if c.decision == "sure"),
        questions=sum(c.count for c in counts if c.decision in ("sure", *LOGGED_DECISIONS)),
        not_understood=sum(c.count for c in counts if c.decision == "not_understood"),
        alarms=sum(c.count for c in counts if c.alarm),
        useful=sum(f.count for f in feedback if f.useful),
        not_useful=sum(f.count for f in feedback if not f.useful),
    )


def stats_text(store: LearningStore, content: Any, language: str = "nl") -> str:
    """Today and the last 7 days, numbers only, worded by content/teksten.yaml (beheer_stats)."""
    today = store.today()
    day = totals(store, today.isoformat())
    week = totals(store, (today - dt.timedelta(days=6)).isoformat())
    values: dict[str, Any] = {}
    for prefix, t in (("vandaag", day), ("week", week)):
        values.update(
            {
                f"{prefix}_berichten": t.messages,
                f"{prefix}_beantwoord": round(100 * t.answer_rate),
                f"{prefix}_niet_begrepen": t.not_understood,
                f"{prefix}_alarm": t.alarms,
                f"{prefix}_goed": t.useful,
                f"{prefix}_slecht": t.not_useful,
            }
        )
    return content.text("beheer_stats", language, **values)
