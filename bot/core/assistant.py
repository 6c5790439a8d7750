"""The assistant: a message in, a Reply out. Safety lines first, then the answer.

Transport-free on purpose: Telegram, the terminal chat and `wijkbot ask/eval` call the same
`Assistant.reply`, so what is tested and measured here is what residents get. This module only
routes; the parts of a reply live beside it: safety.py (alarm, lines, footer), faq_answers.py,
station.py, wijkagent.py and buttons.py, all working on one Desk (desk.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.content.model import Content
from bot.core import buttons, faq_answers, safety, wijkagent
from bot.core.desk import AWAIT_PLACE, MATCH_CHARS, Answer, Desk, prepend
from bot.core.districts import Districts
from bot.core.languages import LanguageGuesser
from bot.core.live import LiveLookup
from bot.core.matcher import Match, Matcher, index_for
from bot.core.memory import InMemoryWijkMemory, WijkMemory
from bot.core.messages import Query, Ranked, Reply
from bot.core.semantic import Semantic
from bot.core.text import Normaliser
from bot.core.urgency import Urgency, UrgencyDetector

log = logging.getLogger(__name__)

LONG_MESSAGE = 1000
CANDIDATES = 3  # the closest entries a reply carries, with the scores its decision used


class Assistant:
    """Built once per content version (all indexes at load time); reply() is cheap."""

    def __init__(
        self,
        content: Content,
        *,
        memory: WijkMemory | None = None,
        live: LiveLookup | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        semantic: Semantic | None = None,
        data_dir: Path | None = None,
    ) -> None:
        """data_dir: where an index built for edited content is kept for the next start."""
        self.semantic = semantic
        self.languages = LanguageGuesser.build(dict(content.language.talen.items()))
        normaliser = Normaliser.from_content(content.language)
        districts = Districts.from_content(content)
        matcher = Matcher(
            content,
            normaliser,
            neutral=districts.name_words(content.language.gewone_plaatswoorden),
            semantic=semantic.faq if semantic is not None else None,
            index=index_for(content, normaliser, data_dir),
        )
        model = semantic is not None and semantic.embedder.multilingual
        self.urgency = UrgencyDetector.build(content.urgency, normaliser, model=model)
        self._safety = safety.SafetyCheck(self.urgency, semantic)
        memory = memory if memory is not None else InMemoryWijkMemory()
        self.desk = Desk(content, normaliser, districts, matcher, memory, live, today)

    # The parts live on the desk, once; these name them for the doors and the tests.
    @property
    def content(self) -> Content:
        return self.desk.content

    @property
    def normaliser(self) -> Normaliser:
        return self.desk.normaliser

    @property
    def districts(self) -> Districts:
        return self.desk.districts

    @property
    def matcher(self) -> Matcher:
        return self.desk.matcher

    @property
    def memory(self) -> WijkMemory:
        return self.desk.memory

    @property
    def live(self) -> LiveLookup | None:
        return self.desk.live

    @property
    def today(self) -> Callable[[], dt.date]:
        return self.desk.today

    async def reply(self, query: Query) -> Reply:
        reply = await self._reply(query)
        if query.late:  # after a crash: late, and saying so, is better than never
            late = self.desk.t("laat", reply.language)
            reply = replace(reply, body="\n\n".join(p for p in (late, reply.body) if p))
        return reply

    async def _reply(self, query: Query) -> Reply:
        text = query.text.strip()
        language = query.language if query.language in ("nl", "en") else "nl"
        if query.action:
            return await buttons.on_action(self.desk, query, language)
        if query.location:
            place = self.districts.by_location(*query.location, query="locatie")
            answer = await wijkagent.wijkagent_answer(self.desk, place, query, language)
            return safety.finish(self.desk, answer, language)
        if not text:
            return safety.finish(self.desk, Answer(self.desk.t("leeg", language)), language)
        urgency = await self.safety(text)
        norm = self.normaliser.normalise(text[:MATCH_CHARS])
        prefer = safety.preferences(self.desk, urgency, text)
        foreign = self.languages.guess(text)
        vector = await self._vector(text) if not urgency.alarm else None
        match = self.matcher.match(
            norm, hint=query.language, prefer=prefer, vector=vector, foreign=foreign is not None
        )
        language = foreign or match.language
        answer = await self._answer_text(text, query, match, language)
        answer = safety.danger_answer(self.desk, answer, urgency, language)
        if len(text) > LONG_MESSAGE:
            answer = prepend(answer, self.desk.t("te_lang", language))
        reply = safety.finish(self.desk, answer, language, urgency)
        ranked = tuple(Ranked(c.entry_id, c.score) for c in match.candidates[:CANDIDATES])
        return replace(reply, candidates=ranked)

    async def safety(self, text: str) -> Urgency:
        """The rules' verdict, with the model's second opinion (safety.SafetyCheck)."""
        return await self._safety.check(text)

    def fixed_reply(self, key: str, language: str | None, text: str = "") -> Reply:
        """A fixed text with the footer, and the alarm when the text reads as danger."""
        return safety.fixed_text(self.desk, self.urgency, key, language, text)

    async def _vector(self, text: str) -> np.ndarray | None:
        """The message's meaning for the matcher; None without the semantic layer (or when the
        embedding fails: the words alone still answer)."""
        if self.semantic is None:
            return None
        try:
            return await self.semantic.vector_soon(text)
        except Exception as exc:
            log.warning("embedding failed (%s): matching on words only", type(exc).__name__)
            return None

    def rules_alarm(self, text: str) -> bool:
        """The rules alone, at once: for the gates that must not wait (flood control, order)."""
        return self.urgency.detect(text).alarm

    async def _answer_text(self, text: str, query: Query, match: Match, language: str) -> Answer:
        best = match.best
        sure = match.decision == "sure" and best is not None
        entry = self.content.entry(best.entry_id) if sure and best else None
        wants_agent = entry is not None and entry.actie == "wijkagent"
        # Unsure, and the message is (almost) only a place ("7419", "Colmschate", "ik woon in
        # de Zandweerd"): the wijkagent. A place inside another question ("een restaurant in de
        # binnenstad") is not a wijkagent question.
        looks_placed = not sure and (
            wijkagent.place_like(self.desk, text) or wijkagent.mentions_agent(self.desk, text)
        )
        if query.awaiting == AWAIT_PLACE or wants_agent or looks_placed:
            place = await wijkagent.place_from_text(
                self.desk,
                text,
                live=query.awaiting == AWAIT_PLACE
                or wants_agent
                or wijkagent.mentions_agent(self.desk, text),
            )
            if place is not None:
                return await wijkagent.wijkagent_answer(self.desk, place, query, language, match)
            if query.awaiting == AWAIT_PLACE and not sure:
                return Answer(
                    self.desk.t("plaats_niet_gevonden", language),
                    awaiting=AWAIT_PLACE,
                    ask_location=True,
                )
        if wants_agent:
            return await wijkagent.ask_or_recall_place(self.desk, query, language, match)
        if entry is not None and best is not None:
            return await faq_answers.entry_reply(
                self.desk, entry, query, language, match.decision, best.score
            )
        if match.decision == "ambiguous":
            return faq_answers.ambiguous_answer(self.desk, match, language)
        return faq_answers.not_understood(self.desk, match, language)
