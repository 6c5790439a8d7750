"""Answers from the FAQ: a sure entry, "bedoelt u…?" with the candidates, or "not understood"
with the menu. The police station's entry asks the police's live data (station.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.content import keys
from bot.content.model import FaqEntry
from bot.core import station
from bot.core.desk import Answer, Desk
from bot.core.matcher import Match
from bot.core.messages import Button, Query, Venue


async def entry_reply(
    desk: Desk,
    entry: FaqEntry,
    query: Query,
    language: str,
    decision: str = "sure",
    score: float = 1.0,
) -> Answer:
    """The entry's answer; for the police station the police's live data when it comes."""
    answer = entry_answer(desk, entry, language, decision, score)
    if entry.actie != "politiebureau":
        return answer
    live = await station.live_station(desk, query)
    if live is None:
        return answer
    title = station.station_title(desk, live, language)
    return replace(
        answer,
        body=station.live_station_text(desk, live, language),
        venue=Venue(title, live.adres, live.lat, live.lon) if live.adres else None,
    )


def entry_answer(
    desk: Desk, entry: FaqEntry, language: str, decision: str = "sure", score: float = 1.0
) -> Answer:
    body = entry.answer_in(language)
    if language == "en" and entry.en is None:
        body = f"{desk.t('engels_noot', language)}\n{body}"
    venue = station.station_venue(desk, language) if entry.actie == "politiebureau" else None
    buttons = faq_buttons(desk, entry.zie_ook, language)
    if entry.actie == "menu":
        buttons = faq_buttons(desk, keys.MENU, language)
    return Answer(
        body=body,
        decision=decision,
        intent=entry.id,
        confidence=score,
        line_ids=tuple(entry.lijnen),
        buttons=buttons,
        venue=venue,
    )


def ambiguous_answer(desk: Desk, match: Match, language: str) -> Answer:
    best = match.best
    buttons = faq_buttons(desk, [c.entry_id for c in match.candidates[:3]], language)
    buttons += (Button(desk.t("iets_anders", language), "other"),)
    return Answer(
        body=desk.t("bedoelt_u", language),
        decision="ambiguous",
        intent=best.entry_id if best else None,
        confidence=best.score if best else 0.0,
        buttons=buttons,
    )


def not_understood(desk: Desk, match: Match, language: str) -> Answer:
    best = match.best
    return Answer(
        body=desk.t("niet_begrepen", language, **desk.numbers()),
        decision="not_understood",
        confidence=best.score if best else 0.0,
        buttons=faq_buttons(desk, keys.MENU, language),
    )


def faq_buttons(desk: Desk, ids: Iterable[str], language: str) -> tuple[Button, ...]:
    entries = [desk.content.entry(i) for i in ids]
    return tuple(Button(e.title_in(language), f"faq:{e.id}") for e in entries if e)
