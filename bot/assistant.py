"""The assistant: a message in, a Reply out. Safety lines first, then the answer.

Transport-free on purpose: Telegram, the terminal chat and `wijkbot ask/eval` call the same
`Assistant.reply`, so what is tested and measured here is what residents get.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot import keys
from bot.content import Content, FaqEntry
from bot.districts import Districts, Place, find_postcode
from bot.languages import LanguageGuesser
from bot.live import LiveAgents, LiveLookup, LiveStation, covering
from bot.matcher import Match, Matcher, index_for
from bot.memory import InMemoryWijkMemory, Remembered, WijkMemory
from bot.messages import Button, Query, Reply, Venue
from bot.semantic import Semantic
from bot.text import Normaliser, fold
from bot.urgency import Urgency, UrgencyDetector, with_opinion

log = logging.getLogger(__name__)

MATCH_CHARS = 600  # a long story is matched on its start; urgency reads all of it
LONG_MESSAGE = 1000
MODEL_WAIT_WITH_ALARM = 0.3  # seconds the model may add 113 to a rules' alarm
SAFETY_SEEN = 256  # texts whose safety verdict is kept (a resident's text, in memory only)
LIVE_TIMEOUT_SECONDS = 3.0
AWAIT_PLACE = "plaats"
LINE_NAMED_BONUS = 0.3  # a message naming 144 is probably about what 144 is for
_NUMBER_RE = re.compile(r"\d[\d -]*\d|\d")  # "0900-8844", "0900 8844", "112"
NO_URGENCY = Urgency(alarm=False, anonymous=False, rules=())
EMERGENCY = ("spoed", "geen_spoed")  # in every footer
LANGUAGES = ("nl", "en")  # the languages of the answers


@dataclass(frozen=True)
class _Answer:
    """The part of a reply that depends on the question; _finish adds the safety lines."""

    body: str
    decision: str = "action"
    intent: str | None = None
    confidence: float = 0.0
    line_ids: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    place: Place | None = None
    awaiting: str | None = None
    venue: Venue | None = None
    ask_location: bool = False


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
        self.content = content
        self.semantic = semantic
        self._safety_seen: OrderedDict[str, Urgency] = OrderedDict()
        self.languages = LanguageGuesser.build(content.language.talen)
        self.normaliser = Normaliser.from_content(content.language)
        self.districts = Districts.from_content(content)
        self.matcher = Matcher(
            content,
            self.normaliser,
            neutral=self.districts.name_words(),
            semantic=semantic.faq if semantic is not None else None,
            index=index_for(content, self.normaliser, data_dir),
        )
        self.urgency = UrgencyDetector.build(content.urgency, self.normaliser)
        self.memory = memory if memory is not None else InMemoryWijkMemory()
        self.live = live
        self.today = today
        self._actions = {
            "faq": self._on_faq_button,
            "wijk": self._on_place_button,
            "remember": self._on_remember,
            "remember_no": self._on_remember_no,
            "other": self._on_other,
            "vergeet": self._on_forget,
            "menu": self._on_menu,
        }

    # -- entry point -------------------------------------------------------------------------

    async def reply(self, query: Query) -> Reply:
        reply = await self._reply(query)
        if query.late:  # after a crash: late, and saying so, is better than never
            reply = replace(
                reply,
                body="\n\n".join(p for p in (self._t("laat", reply.language), reply.body) if p),
            )
        return reply

    async def _reply(self, query: Query) -> Reply:
        text = query.text.strip()
        language = query.language if query.language in ("nl", "en") else "nl"
        if query.action:
            return await self._on_action(query, language)
        if query.location:
            place = self.districts.by_location(*query.location, query="locatie")
            return self._finish(await self._wijkagent_answer(place, query, language), language)
        if not text:
            return self._finish(_Answer(self._t("leeg", language)), language)
        urgency = await self.safety(text)
        norm = self.normaliser.normalise(text[:MATCH_CHARS])
        prefer = self._preferred(urgency)
        for entry_id in self._lines_named(text):
            prefer[entry_id] = max(prefer.get(entry_id, 0.0), LINE_NAMED_BONUS)
        foreign = self.languages.guess(text)
        vector = await self._vector(text) if not urgency.alarm else None
        match = self.matcher.match(
            norm, hint=query.language, prefer=prefer, vector=vector, foreign=foreign is not None
        )
        language = foreign or match.language
        answer = await self._answer_text(text, query, match, language)
        answer = self._danger_answer(answer, urgency, language)
        if len(text) > LONG_MESSAGE:
            answer = _prepend(answer, self._t("te_lang", language))
        return self._finish(answer, language, urgency)

    async def safety(self, text: str) -> Urgency:
        """The rules' verdict, with the model's second opinion added when it is loaded.

        Asked twice per message (the Telegram door decides priority with it), so it is kept for
        the last few texts. When the rules already raise the alarm the model gets 0.3 s to add
        113 or Bel M: an alarm must not wait behind a queue of messages to embed. A failing model
        costs its opinion, never the rules' alarm.
        """
        found = self._safety_seen.get(text)
        if found is not None:
            return found
        rules = self.urgency.detect(text)
        urgency = rules
        if self.semantic is not None:
            # With the rules' alarm already up, the model may still add 113 or Bel M, but an
            # alarm never waits more than a moment for it (a burst queues the embedding).
            wait = MODEL_WAIT_WITH_ALARM if rules.alarm else None
            try:
                _, opinion = await asyncio.wait_for(self.semantic.opinion(text), wait)
                urgency = with_opinion(rules, opinion)
            except TimeoutError:
                pass
            except Exception as exc:
                log.warning("safety model failed (%s): rules only", type(exc).__name__)
        self._safety_seen[text] = urgency
        while len(self._safety_seen) > SAFETY_SEEN:
            self._safety_seen.popitem(last=False)
        return urgency

    def fixed_reply(self, key: str, language: str | None, text: str = "") -> Reply:
        """A fixed text (an apology, "I can only read text", …) with the footer, and the alarm
        on top when the resident's text reads as danger: no fallback ever hides 112.

        Rules only: this is also the answer when something else failed, the model included.
        """
        lang = language if language in LANGUAGES else "nl"
        numbers = {k: line.nummer for k, line in self.content.lines.items()}
        urgency = self.urgency.detect(text) if text else NO_URGENCY
        return self._finish(_Answer(self._t(key, lang, **numbers)), lang, urgency)

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

    def _danger_answer(self, answer: _Answer, urgency: Urgency, language: str) -> _Answer:
        """In danger or crisis the body says what to do now; "bedoelt u…?" would only distract."""
        kind = (
            self.content.dangers.get(urgency.kind or "")
            if urgency.alarm or urgency.crisis
            else None
        )
        if kind is None:
            return answer
        guidance = kind.wat_nu["nl" if language == "nl" else "en"]
        keep = answer.decision == "sure" and not urgency.alarm  # a crisis with a real question
        body = "\n\n".join(p for p in (guidance, answer.body if keep else "") if p)
        buttons = self._danger_buttons(language) if kind.id == "paniek" else ()
        return replace(
            answer,
            body=body,
            buttons=buttons if not keep else answer.buttons,
            line_ids=tuple(dict.fromkeys((*kind.lijnen, *answer.line_ids))),
        )

    def _danger_buttons(self, language: str) -> tuple[Button, ...]:
        """A panic message ("HELP") gets one tap to say what is going on."""
        lang = "nl" if language == "nl" else "en"
        return tuple(
            Button(kind.knop[lang], f"nood:{kind.id}")
            for kind in self.content.dangers.values()
            if kind.id not in ("crisis",)
        )

    def _preferred(self, urgency: Urgency) -> dict[str, float]:
        """FAQ entries the safety rules point to: an anonymous tip, a crime that is over."""
        preferred = self.content.urgency.voorkeur
        # A tip about a crime, given anonymously, is about the tip: the anonymous route wins.
        kind = "anoniem" if urgency.anonymous else "misdrijf" if urgency.crime else None
        return dict(preferred.get(kind, {})) if kind else {}

    def _lines_named(self, text: str) -> list[str]:
        """Entries explaining a phone line the message names: "wat is 144?" is about 144."""
        named = {re.sub(r"\D", "", n) for n in _NUMBER_RE.findall(text)}
        return [
            line.faq for line in self.content.lines.values() if line.faq and line.digits in named
        ]

    async def _answer_text(self, text: str, query: Query, match: Match, language: str) -> _Answer:
        best = match.best
        sure = match.decision == "sure" and best is not None
        entry = self.content.entry(best.entry_id) if sure and best else None
        wants_agent = entry is not None and entry.actie == "wijkagent"
        # Unsure, and the message is (almost) only a place ("7419", "Colmschate", "ik woon in
        # de Zandweerd"): the wijkagent. A place inside another question ("een restaurant in de
        # binnenstad") is not a wijkagent question.
        looks_placed = not sure and (self._place_like(text) or _mentions_agent(text))
        if query.awaiting == AWAIT_PLACE or wants_agent or looks_placed:
            place = await self._place_from_text(
                text, live=query.awaiting == AWAIT_PLACE or wants_agent or _mentions_agent(text)
            )
            if place is not None:
                return await self._wijkagent_answer(place, query, language, match)
            if query.awaiting == AWAIT_PLACE and not sure:
                return _Answer(
                    self._t("plaats_niet_gevonden", language),
                    awaiting=AWAIT_PLACE,
                    ask_location=True,
                )
        if wants_agent:
            return await self._ask_or_recall_place(query, language, match)
        if entry is not None and best is not None:
            return await self._entry_reply(entry, query, language, match.decision, best.score)
        if match.decision == "ambiguous":
            return self._ambiguous_answer(match, language)
        return self._not_understood(match, language)

    def _finish(self, answer: _Answer, language: str, urgency: Urgency = NO_URGENCY) -> Reply:
        """Adds the safety lines, in one place: alarm on top, then 113, specific lines, footer."""
        lines = self.content.lines
        numbers = {key: line.nummer for key, line in lines.items()}
        body = answer.body
        line_ids = list(answer.line_ids)
        if urgency.anonymous and "bel_m" not in line_ids:
            line_ids.append("bel_m")
            bel_m = lines["bel_m"]
            if answer.intent != keys.BEL_M:
                tip = self._t("bel_m_regel", language, nummer=bel_m.nummer, web=bel_m.web)
                body = "\n\n".join(p for p in (body, tip) if p)
        if language not in LANGUAGES:  # one line in their own language: we answer in nl and en
            notes = [self._t("taal_noot", language)]
            if urgency.alarm:
                notes.append(self._t("app_112", language))
            body = "\n\n".join(p for p in (body, *notes) if p)
        headline = [
            i for i, on in (("spoed", urgency.alarm), ("zelfmoordpreventie", urgency.crisis)) if on
        ]
        specific = [i for i in dict.fromkeys(line_ids) if i not in (*EMERGENCY, *headline)]
        line_texts = tuple(
            self._t("lijn", language, label=lines[i].label_in(language), nummer=lines[i].nummer)
            for i in specific
        )
        shown = [lines[i].nummer for i in (*headline, *specific, *EMERGENCY)]
        place = answer.place
        return Reply(
            body=body,
            footer=self._t("footer", language, **numbers),
            alarm_text=self._t("alarm", language, **numbers) if urgency.alarm else None,
            crisis_text=self._t("crisis", language, **numbers) if urgency.crisis else None,
            line_texts=line_texts,
            lines=tuple(dict.fromkeys(shown)),
            intent=answer.intent,
            confidence=answer.confidence,
            decision=answer.decision,  # type: ignore[arg-type]
            language=language,
            wijk=place.wijk if place else None,
            buurt=place.buurt if place else None,
            buttons=answer.buttons,
            awaiting=answer.awaiting,
            venue=answer.venue,
            ask_location=answer.ask_location,
            rules=urgency.rules,
            danger=urgency.kind if urgency.alarm or urgency.crisis else None,
            reasons=urgency.reasons,
        )

    # -- FAQ answers -------------------------------------------------------------------------

    async def _entry_reply(
        self,
        entry: FaqEntry,
        query: Query,
        language: str,
        decision: str = "sure",
        score: float = 1.0,
    ) -> _Answer:
        """The entry's answer; for the police station the police's live data when it comes."""
        answer = self._entry_answer(entry, language, decision, score)
        if entry.actie != "politiebureau":
            return answer
        station = await self._live_station(query)
        if station is None:
            return answer
        return replace(
            answer,
            body=self._live_station_text(station, language),
            venue=Venue(
                self._station_title(station, language), station.adres, station.lat, station.lon
            )
            if station.adres
            else None,
        )

    def _entry_answer(
        self, entry: FaqEntry, language: str, decision: str = "sure", score: float = 1.0
    ) -> _Answer:
        body = entry.answer_in(language)
        if language == "en" and entry.en is None:
            body = f"{self._t('engels_noot', language)}\n{body}"
        venue = self._station_venue(language) if entry.actie == "politiebureau" else None
        buttons = self._faq_buttons(entry.zie_ook, language)
        if entry.actie == "menu":
            buttons = self._faq_buttons(keys.MENU, language)
        return _Answer(
            body=body,
            decision=decision,
            intent=entry.id,
            confidence=score,
            line_ids=tuple(entry.lijnen),
            buttons=buttons,
            venue=venue,
        )

    def _ambiguous_answer(self, match: Match, language: str) -> _Answer:
        best = match.best
        buttons = self._faq_buttons([c.entry_id for c in match.candidates[:3]], language)
        buttons += (Button(self._t("iets_anders", language), "other"),)
        return _Answer(
            body=self._t("bedoelt_u", language),
            decision="ambiguous",
            intent=best.entry_id if best else None,
            confidence=best.score if best else 0.0,
            buttons=buttons,
        )

    def _not_understood(self, match: Match, language: str) -> _Answer:
        numbers = {key: line.nummer for key, line in self.content.lines.items()}
        best = match.best
        return _Answer(
            body=self._t("niet_begrepen", language, **numbers),
            decision="not_understood",
            confidence=best.score if best else 0.0,
            buttons=self._faq_buttons(keys.MENU, language),
        )

    def _faq_buttons(self, ids: Iterable[str], language: str) -> tuple[Button, ...]:
        entries = [self.content.entry(i) for i in ids]
        return tuple(Button(e.title_in(language), f"faq:{e.id}") for e in entries if e)

    async def _live_station(self, query: Query) -> LiveStation | None:
        """The station nearest the resident's remembered wijk, else nearest the content's one."""
        if self.live is None:
            return None
        station = self.content.districts.politiebureau
        lat, lon = station.lat, station.lon
        remembered = self._recall(query)
        point = self.districts.point_of(remembered.code) if remembered else None
        if point is not None:
            lat, lon = point
        try:
            return await asyncio.wait_for(self.live.station(lat, lon), LIVE_TIMEOUT_SECONDS)
        except Exception:
            return None

    def _live_station_text(self, station: LiveStation, language: str) -> str:
        where = dict(titel=self._station_title(station, language), datum=station.retrieved)
        parts = [
            self._t("politiebureau_live", language, adres=station.adres, **where)
            if station.adres
            else self._t("politiebureau_live_geen_adres", language, **where)
        ]
        if station.openingstijden:
            parts.append(
                self._t("politiebureau_live_tijden", language, tijden=station.openingstijden)
            )
        parts.append(
            self._t(
                "politiebureau_live_verder",
                language,
                url=station.url or self.content.districts.politiebureau.url,
                geen_spoed=self.content.lines["geen_spoed"].nummer,
            )
        )
        return "\n\n".join(parts)

    def _station_title(self, station: LiveStation, language: str) -> str:
        return self._t("politiebureau_titel", language, naam=station.naam)

    def _station_venue(self, language: str) -> Venue:
        station = self.content.districts.politiebureau
        return Venue(
            self._t("politiebureau_naam", language), station.adres, station.lat, station.lon
        )

    # -- wijkagent ---------------------------------------------------------------------------

    async def _place_from_text(self, text: str, live: bool = True) -> Place | None:
        """Offline first (postcode, then names); the geocoder only for what that cannot settle.

        A full postcode inside a PC4 that spans wijken, or an unknown text that may be a street,
        goes to PDOK when it is reachable; its answer is checked against our own districts.
        `live` is False for messages that are not about a wijkagent: a FAQ answer never waits on
        the geocoder (only the station question asks the police API, see _entry_reply).
        """
        place = self.districts.find(text)
        postcode = find_postcode(text)
        unsettled = place is not None and place.source == "postcode" and not place.found
        may_be_address = place is None and _looks_like_address(text)
        full_postcode = unsettled and postcode is not None and postcode.letters is not None
        if live and self.live is not None and (may_be_address or full_postcode or unsettled):
            try:
                geocoded = await asyncio.wait_for(
                    self.live.geocode(_address_part(text)), LIVE_TIMEOUT_SECONDS
                )
            except Exception:
                geocoded = None
            if geocoded is not None and geocoded.outside:
                return geocoded
            if geocoded is not None:
                checked = self.districts.from_geocoder(
                    text, geocoded.buurt, geocoded.wijk, geocoded.lat, geocoded.lon
                )
                if checked is not None:
                    return checked
        return place

    def _place_like(self, text: str) -> bool:
        """At most one word besides place names, numbers and stop words."""
        neutral = self.matcher.neutral
        words = self.normaliser.normalise(text[:MATCH_CHARS]).content
        return sum(1 for w in words if w not in neutral and not w.isdigit()) <= 1

    async def _ask_or_recall_place(self, query: Query, language: str, match: Match) -> _Answer:
        remembered = self._recall(query)
        if remembered:
            place = self.districts.by_code(remembered.code, source="geheugen")
            if place is not None:
                return await self._wijkagent_answer(place, query, language, match)
        return _Answer(
            body=self._t("wijkagent_vraag_plaats" if query.private else "groep_prive", language),
            intent=keys.WIJKAGENT,
            confidence=match.best.score if match.best else 1.0,
            decision=match.decision,
            awaiting=AWAIT_PLACE,
            ask_location=True,
        )

    async def _wijkagent_answer(
        self, place: Place, query: Query, language: str, match: Match | None = None
    ) -> _Answer:
        confidence = match.best.score if match and match.best else 1.0
        decision = "sure" if match else "action"  # a place was given: this is the answer
        common = {"intent": keys.WIJKAGENT, "confidence": confidence, "decision": decision}
        if place.outside:
            return _Answer(self._t("buiten_deventer", language), **common)
        if not place.found:
            if place.options:
                return self._choose_wijk(place, language, common)
            return _Answer(
                self._t("plaats_niet_gevonden", language),
                awaiting=AWAIT_PLACE,
                ask_location=True,
                **common,
            )
        wijk = self.districts.wijken[place.wijk or ""]
        parts = [
            self._t(
                "wijkagent_antwoord",
                language,
                buurt=self.districts.buurten[place.buurt].naam,
                wijk=wijk.naam,
            )
            if place.buurt
            else self._t("wijkagent_wijk", language, wijk=wijk.naam)
        ]
        if place.source == "geheugen":
            parts.append(self._t("onthouden_wijk", language, wijk=wijk.naam))
        parts.append(await self._agent_names(place, language, wijk.naam))
        parts.append(
            self._t(
                "wijkagent_bereiken",
                language,
                wijk=wijk.naam,
                geen_spoed=self.content.lines["geen_spoed"].nummer,
            )
        )
        parts.append(self._t("indeling_uitleg", language))
        buttons: tuple[Button, ...] = ()
        if query.user and query.private and place.source != "geheugen":
            code = place.buurt or place.wijk or ""
            parts.append(self._t("onthouden_vraag", language, wijk=wijk.naam))
            buttons = (
                Button(self._t("onthouden_ja", language), f"remember:{code}"),
                Button(self._t("onthouden_nee", language), "remember_no"),
            )
        return _Answer("\n\n".join(parts), place=place, buttons=buttons, **common)

    def _choose_wijk(self, place: Place, language: str, common: dict) -> _Answer:
        # place.query is what the resident wrote, folded: "7411 ab" or "colmschate".
        body = self._t(
            "postcode_meerdere" if place.source == "postcode" else "wijk_meerdere",
            language,
            naam=place.query.title(),
            postcode=place.query[:4],
        )
        buttons = tuple(
            Button(self.districts.wijken[code].naam, f"wijk:{code}") for code in place.options
        )
        return _Answer(body, buttons=buttons, awaiting=AWAIT_PLACE, ask_location=True, **common)

    async def _agent_names(self, place: Place, language: str, wijk_name: str) -> str:
        live = await self._live_agents(place)
        if live and live.agents:
            names = ", ".join(f"{a.naam} ({a.url})" if a.url else a.naam for a in live.agents)
            return self._t("wijkagent_live", language, datum=live.retrieved, namen=names)
        return self._known_agents(place, language, wijk_name)

    def _known_agents(self, place: Place, language: str, wijk_name: str) -> str:
        known = self.districts.wijken[place.wijk or ""].wijkagenten
        if known:
            names = ", ".join(a.naam for a in known)
            return self._t("wijkagent_naam", language, datum=max(a.per for a in known), namen=names)
        return self._t("wijkagent_geen_naam", language, wijk=wijk_name)

    async def _live_agents(self, place: Place) -> LiveAgents | None:
        """Live agents whose werkgebied covers the place; None when unknown, slow or failing.

        The police are asked about the buurt's own point, never the resident's address: the
        answer may then be cached on disk without holding where anyone lives (docs/privacy.md).
        The address's point only decides, here in memory, whose werkgebied covers it.
        """
        if self.live is None or place.wijk is None:
            return None
        point = self.districts.point_of(place.buurt or place.wijk)
        if point is None:
            return None
        lat, lon = (place.lat, place.lon) if place.lat is not None else point
        try:
            live = await asyncio.wait_for(
                self.live.agents(replace(place, lat=point[0], lon=point[1])),
                LIVE_TIMEOUT_SECONDS,
            )
        except Exception:
            return None
        if live is None:
            return None
        wijk = self.districts.wijken[place.wijk]
        names = [self.districts.buurten[place.buurt].naam] if place.buurt else []
        names += [wijk.naam, *wijk.namen]
        return replace(live, agents=covering(live.agents, names, lat, lon))

    # -- buttons -----------------------------------------------------------------------------

    async def _on_action(self, query: Query, language: str) -> Reply:
        kind, _, value = (query.action or "").partition(":")
        if kind == "nood":  # carries its own safety lines
            return await self._on_danger_button(value, query, language)
        handler = self._actions.get(kind)
        if handler is None:
            return self._finish(_Answer(self._t("verlopen_knop", language)), language)
        return self._finish(await handler(value, query, language), language)

    async def _on_faq_button(self, value: str, query: Query, language: str) -> _Answer:
        entry = self.content.entry(value)
        if entry is None:
            return _Answer(self._t("verlopen_knop", language))
        if entry.actie == "wijkagent":
            return await self._ask_or_recall_place(query, language, Match("sure", (), language))
        return await self._entry_reply(entry, query, language)

    async def _on_place_button(self, value: str, query: Query, language: str) -> _Answer:
        place = self.districts.by_code(value)
        if place is None:
            return _Answer(self._t("verlopen_knop", language))
        return await self._wijkagent_answer(place, query, language)

    async def _on_remember(self, value: str, query: Query, language: str) -> _Answer:
        place = self.districts.by_code(value)
        if place is None or not query.user or not query.private:
            return _Answer(self._t("verlopen_knop", language))
        try:
            self.memory.remember(query.user, value, self.today().isoformat())
        except Exception:  # storage is best-effort; say so rather than pretend
            return _Answer(self._t("opslag_fout", language))
        wijk = self.districts.wijken[place.wijk or ""].naam
        return _Answer(self._t("onthouden_gedaan", language, wijk=wijk), place=place)

    async def _on_remember_no(self, value: str, query: Query, language: str) -> _Answer:
        return _Answer(self._t("niet_onthouden", language))

    async def _on_other(self, value: str, query: Query, language: str) -> _Answer:
        numbers = {key: line.nummer for key, line in self.content.lines.items()}
        return _Answer(self._t("iets_anders_antwoord", language, **numbers))

    async def _on_forget(self, value: str, query: Query, language: str) -> _Answer:
        if query.user:
            try:
                self.memory.forget(query.user)
            except Exception:  # not erased: the resident must not be told it was
                return _Answer(self._t("opslag_fout", language), intent="privacy")
        return _Answer(self._t("vergeten_gedaan", language), intent="privacy")

    async def _on_danger_button(self, value: str, query: Query, language: str) -> Reply:
        """A kind chosen under a panic alarm: the alarm again, with what to do for that kind."""
        kind = self.content.dangers.get(value)
        if kind is None:
            return self._finish(_Answer(self._t("verlopen_knop", language)), language)
        urgency = Urgency(
            alarm=kind.alarm,
            anonymous=False,
            rules=(),
            kind=kind.id,
            crisis=kind.id in ("crisis", "crisis_acuut"),
            reasons=(f"button:{kind.id}",),
        )
        answer = self._danger_answer(_Answer("", decision="action"), urgency, language)
        return self._finish(replace(answer, buttons=()), language, urgency)

    async def _on_menu(self, value: str, query: Query, language: str) -> _Answer:
        if value in keys.MENU_TARGETS:
            return await self._on_faq_button(keys.MENU_TARGETS[value], query, language)
        return _Answer(
            self._t("vraag_stellen", language), buttons=self._faq_buttons(keys.MENU, language)
        )

    def _recall(self, query: Query) -> Remembered | None:
        """What the resident let us remember; never in a group, where others would read it."""
        if not query.user or not query.private:
            return None
        return self.memory.recall(query.user)

    def _t(self, key: str, language: str, **values: object) -> str:
        return self.content.text(key, language, **values)


def _prepend(answer: _Answer, note: str) -> _Answer:
    return replace(answer, body=f"{note}\n\n{answer.body}")


_ADDRESS_LEAD_RE = re.compile(
    r"^.*\b(?:wijkagent(?:en)?|wijk\s+agent|woon|wonen|woont)\b[\s,:]*"
    r"(?:(?:van|in|op|aan|voor|bij)\s+)?",
    re.IGNORECASE,
)


def _mentions_agent(text: str) -> bool:
    """'wijkagent', 'wijk agent', 'wijkagenten': a wijkagent lookup even when the FAQ is unsure."""
    return "wijkagent" in "".join(fold(text).split())


def _address_part(text: str) -> str:
    """'wie is de wijkagent van Storminkstraat 2?' -> 'Storminkstraat 2' (for the geocoder)."""
    stripped = _ADDRESS_LEAD_RE.sub("", text.strip()).strip(" ?!.")
    return stripped or text.strip(" ?!.")


def _looks_like_address(text: str) -> bool:
    """A street with a house number, or a single word or two that may be a street name.

    Keeps the geocoder off ordinary questions that merely failed to match the FAQ.
    """
    words = _address_part(text).split()
    has_number = any(w.strip(",.?!").isdigit() for w in words)
    return has_number or 0 < len(words) <= 3
