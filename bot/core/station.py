"""The police station: the police's live data (name, visiting address, opening hours, date
fetched) where it comes within the guard, else the content's station."""

from __future__ import annotations

import asyncio

from bot.core.desk import LIVE_TIMEOUT_SECONDS, Desk
from bot.core.live import LiveStation
from bot.core.messages import Query, Venue


async def live_station(desk: Desk, query: Query) -> LiveStation | None:
    """The station nearest the resident's remembered wijk, else nearest the content's one."""
    if desk.live is None:
        return None
    station = desk.content.districts.politiebureau
    lat, lon = station.lat, station.lon
    remembered = desk.recall(query)
    point = desk.districts.point_of(remembered.code) if remembered else None
    if point is not None:
        lat, lon = point
    try:
        return await asyncio.wait_for(desk.live.station(lat, lon), LIVE_TIMEOUT_SECONDS)
    except Exception:
        return None


def live_station_text(desk: Desk, station: LiveStation, language: str) -> str:
    where = dict(titel=station_title(desk, station, language), datum=station.retrieved)
    parts = [
        desk.t("politiebureau_live", language, adres=station.adres, **where)
        if station.adres
        else desk.t("politiebureau_live_geen_adres", language, **where)
    ]
    if station.openingstijden:
        parts.append(desk.t("politiebureau_live_tijden", language, tijden=station.openingstijden))
    parts.append(
        desk.t(
            "politiebureau_live_verder",
            language,
            url=station.url or desk.content.districts.politiebureau.url,
            geen_spoed=desk.content.lines["geen_spoed"].nummer,
        )
    )
    return "\n\n".join(parts)


def station_title(desk: Desk, station: LiveStation, language: str) -> str:
    return desk.t("politiebureau_titel", language, naam=station.naam)


def station_venue(desk: Desk, language: str) -> Venue:
    station = desk.content.districts.politiebureau
    return Venue(desk.t("politiebureau_naam", language), station.adres, station.lat, station.lon)
