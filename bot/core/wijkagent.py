"""Wie is mijn wijkagent: the place from a postcode, name, address or location (offline first,
the geocoder only for what that cannot settle), the wijk and buurt, the agents the police's live
data or the content knows, how to reach them, and remembering the wijk when the resident asks."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from bot.content import keys
from bot.core.desk import AWAIT_PLACE, LIVE_TIMEOUT_SECONDS, MATCH_CHARS, Answer, Desk
from bot.core.districts import Place, find_postcode
from bot.core.live import LiveAgents, covering
from bot.core.matcher import Match
from bot.core.messages import Button, Query
from bot.core.text import fold


async def place_from_text(desk: Desk, text: str, live: bool = True) -> Place | None:
    """Offline first (postcode, then names); the geocoder only for what that cannot settle.

    A full postcode inside a PC4 that spans wijken, or an unknown text that may be a street,
    goes to PDOK when it is reachable; its answer is checked against our own districts.
    `live` is False for messages that are not about a wijkagent: a FAQ answer never waits on
    the geocoder (only the station question asks the police API, see _entry_reply).
    """
    place = desk.districts.find(text)
    postcode = find_postcode(text)
    unsettled = place is not None and place.source == "postcode" and not place.found
    may_be_address = place is None and looks_like_address(desk, text)
    full_postcode = unsettled and postcode is not None and postcode.letters is not None
    if live and desk.live is not None and (may_be_address or full_postcode or unsettled):
        try:
            geocoded = await asyncio.wait_for(
                desk.live.geocode(address_part(desk, text)), LIVE_TIMEOUT_SECONDS
            )
        except Exception:
            geocoded = None
        if geocoded is not None and geocoded.outside:
            return geocoded
        if geocoded is not None:
            checked = desk.districts.from_geocoder(
                text, geocoded.buurt, geocoded.wijk, geocoded.lat, geocoded.lon
            )
            if checked is not None:
                return checked
    return place


def place_like(desk: Desk, text: str) -> bool:
    """At most one word besides place names, numbers and stop words."""
    neutral = desk.matcher.neutral
    words = desk.normaliser.normalise(text[:MATCH_CHARS]).content
    return sum(1 for w in words if w not in neutral and not w.isdigit()) <= 1


async def ask_or_recall_place(desk: Desk, query: Query, language: str, match: Match) -> Answer:
    remembered = desk.recall(query)
    if remembered:
        place = desk.districts.by_code(remembered.code, source="geheugen")
        if place is not None:
            return await wijkagent_answer(desk, place, query, language, match)
    return Answer(
        body=desk.t("wijkagent_vraag_plaats" if query.private else "groep_prive", language),
        intent=keys.WIJKAGENT,
        confidence=match.best.score if match.best else 1.0,
        decision=match.decision,
        awaiting=AWAIT_PLACE,
        ask_location=True,
    )


async def wijkagent_answer(
    desk: Desk, place: Place, query: Query, language: str, match: Match | None = None
) -> Answer:
    confidence = match.best.score if match and match.best else 1.0
    decision = "sure" if match else "action"  # a place was given: this is the answer
    common: dict[str, Any] = {
        "intent": keys.WIJKAGENT,
        "confidence": confidence,
        "decision": decision,
    }
    if place.outside:
        return Answer(desk.t("buiten_deventer", language), **common)
    if not place.found:
        if place.options:
            return choose_wijk(desk, place, language, common)
        return Answer(
            desk.t("plaats_niet_gevonden", language),
            awaiting=AWAIT_PLACE,
            ask_location=True,
            **common,
        )
    wijk = desk.districts.wijken[place.wijk or ""]
    parts = [
        desk.t(
            "wijkagent_antwoord",
            language,
            buurt=desk.districts.buurten[place.buurt].naam,
            wijk=wijk.naam,
        )
        if place.buurt
        else desk.t("wijkagent_wijk", language, wijk=wijk.naam)
    ]
    if place.source == "geheugen":
        parts.append(desk.t("onthouden_wijk", language, wijk=wijk.naam))
    parts.append(await agent_names(desk, place, language, wijk.naam))
    parts.append(
        desk.t(
            "wijkagent_bereiken",
            language,
            wijk=wijk.naam,
            geen_spoed=desk.content.lines["geen_spoed"].nummer,
        )
    )
    parts.append(desk.t("indeling_uitleg", language))
    buttons: tuple[Button, ...] = ()
    if query.user and query.private and place.source != "geheugen":
        code = place.buurt or place.wijk or ""
        parts.append(desk.t("onthouden_vraag", language, wijk=wijk.naam))
        buttons = (
            Button(desk.t("onthouden_ja", language), f"remember:{code}"),
            Button(desk.t("onthouden_nee", language), "remember_no"),
        )
    return Answer("\n\n".join(parts), place=place, buttons=buttons, **common)


def choose_wijk(desk: Desk, place: Place, language: str, common: dict[str, Any]) -> Answer:
    # place.query is what the resident wrote, folded: "7411 ab" or "colmschate".
    body = desk.t(
        "postcode_meerdere" if place.source == "postcode" else "wijk_meerdere",
        language,
        naam=place.query.title(),
        postcode=place.query[:4],
    )
    buttons = tuple(
        Button(desk.districts.wijken[code].naam, f"wijk:{code}") for code in place.options
    )
    return Answer(body, buttons=buttons, awaiting=AWAIT_PLACE, ask_location=True, **common)


async def agent_names(desk: Desk, place: Place, language: str, wijk_name: str) -> str:
    live = await live_agents(desk, place)
    if live and live.agents:
        names = ", ".join(f"{a.naam} ({a.url})" if a.url else a.naam for a in live.agents)
        return desk.t("wijkagent_live", language, datum=live.retrieved, namen=names)
    return known_agents(desk, place, language, wijk_name)


def known_agents(desk: Desk, place: Place, language: str, wijk_name: str) -> str:
    known = desk.districts.wijken[place.wijk or ""].wijkagenten
    if known:
        names = ", ".join(a.naam for a in known)
        return desk.t("wijkagent_naam", language, datum=max(a.per for a in known), namen=names)
    return desk.t("wijkagent_geen_naam", language, wijk=wijk_name)


async def live_agents(desk: Desk, place: Place) -> LiveAgents | None:
    """Live agents whose werkgebied covers the place; None when unknown, slow or failing.

    The police are asked about the buurt's own point, never the resident's address: the
    answer may then be cached on disk without holding where anyone lives (docs/privacy.md).
    The address's point only decides, here in memory, whose werkgebied covers it.
    """
    if desk.live is None or place.wijk is None:
        return None
    point = desk.districts.point_of(place.buurt or place.wijk)
    if point is None:
        return None
    lat, lon = (place.lat, place.lon) if place.lat is not None else point
    try:
        live = await asyncio.wait_for(
            desk.live.agents(replace(place, lat=point[0], lon=point[1])),
            LIVE_TIMEOUT_SECONDS,
        )
    except Exception:
        return None
    if live is None:
        return None
    wijk = desk.districts.wijken[place.wijk]
    names = [desk.districts.buurten[place.buurt].naam] if place.buurt else []
    names += [wijk.naam, *wijk.namen]
    return replace(live, agents=covering(live.agents, names, lat, lon))


@lru_cache(maxsize=4)
def _lead(lead_in: tuple[str, ...], prepositions: tuple[str, ...]) -> re.Pattern[str]:
    """The lead-in before an address, from content/taal.yaml (longest alternative first)."""

    def alternatives(words: tuple[str, ...]) -> str:
        ordered = sorted(words, key=len, reverse=True)
        return "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered)

    after = rf"(?:(?:{alternatives(prepositions)})\s+)?" if prepositions else ""
    return re.compile(rf"^.*\b(?:{alternatives(lead_in)})\b[\s,:]*{after}", re.IGNORECASE)


def mentions_agent(desk: Desk, text: str) -> bool:
    """'wijkagent', 'wijk agent', 'wijkagenten': a wijkagent lookup even when the FAQ is unsure."""
    joined = "".join(fold(text).split())
    return any(word in joined for word in desk.content.language.wijkagent_woorden)


def address_part(desk: Desk, text: str) -> str:
    """'wie is de wijkagent van Storminkstraat 2?' -> 'Storminkstraat 2' (for the geocoder)."""
    language = desk.content.language
    stripped = text.strip()
    if language.adres_aanloop:
        lead = _lead(tuple(language.adres_aanloop), tuple(language.adres_voorzetsels))
        stripped = lead.sub("", stripped)
    return stripped.strip(" ?!.") or text.strip(" ?!.")


def looks_like_address(desk: Desk, text: str) -> bool:
    """A street with a house number, or a single word or two that may be a street name.

    Keeps the geocoder off ordinary questions that merely failed to match the FAQ.
    """
    words = address_part(desk, text).split()
    has_number = any(w.strip(",.?!").isdigit() for w in words)
    return has_number or 0 < len(words) <= 3
