"""The shape of live data the assistant can use when it is reachable, and never needs.

The real client (bot/live_client.py: PDOK geocoder, police open data API) implements this
Protocol; the assistant only sees these types, so a failing or slow service can never change what
the core does besides leaving out the live facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from shapely import from_wkt
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from bot.core.districts import Place
from bot.core.text import raw_tokens


@dataclass(frozen=True)
class LiveAgent:
    naam: str
    url: str | None = None
    werkgebied: str | None = None
    polygon: str | None = None  # `werkgebiedpolygoon` as sent; its format is not documented


@dataclass(frozen=True)
class LiveAgents:
    agents: tuple[LiveAgent, ...]
    retrieved: str  # ISO date the data was fetched (may come from the cache)


@dataclass(frozen=True)
class LiveStation:
    naam: str
    adres: str | None  # the visiting address; None when the police list none (a closed desk)
    lat: float
    lon: float
    url: str | None = None
    openingstijden: str | None = None  # plain text, one line per paragraph of the police's HTML
    retrieved: str = ""  # ISO date the data was fetched (may come from the cache)


class LiveLookup(Protocol):
    async def geocode(self, text: str) -> Place | None:
        """A street, address or full postcode in Deventer as a Place, or None.

        The Place may carry only a coordinate and CBS codes as the geocoder knows them; the
        assistant checks them against its own districts.
        """
        ...

    async def agents(self, place: Place) -> LiveAgents | None:
        """The wijkagenten near the place's coordinate, nearest first, or None when unknown.

        Nearest is not the same as responsible (the police API says so): the assistant keeps only
        those whose werkgebied covers the place, see `covering`.
        """
        ...

    async def station(self, lat: float, lon: float) -> LiveStation | None:
        """The police station nearest to a point as the police publish it now, or None."""
        ...

    def purge(self) -> int:
        """Drops stored answers past their age (the retention purge calls it); the count."""
        ...


def covering(
    agents: Iterable[LiveAgent], names: Iterable[str], lat: float | None, lon: float | None
) -> tuple[LiveAgent, ...]:
    """The agents whose werkgebied polygon holds the point, or whose werkgebied text names it.

    `names` are the buurt and wijk names of the place, most specific first. A polygon that can be
    read decides on its own; otherwise the text must contain one of the names as whole words.
    """
    wanted = [tuple(raw_tokens(n)) for n in names if raw_tokens(n)]
    found = []
    for agent in agents:
        area = _polygon(agent.polygon)
        if area is not None and lat is not None and lon is not None:
            if area.covers(Point(lon, lat)):
                found.append(agent)
            continue
        words = raw_tokens(agent.werkgebied or "")
        if any(_contains(words, name) for name in wanted):
            found.append(agent)
    return tuple(found)


def _contains(words: list[str], name: tuple[str, ...]) -> bool:
    size = len(name)
    return any(tuple(words[i : i + size]) == name for i in range(len(words) - size + 1))


def _polygon(text: str | None) -> BaseGeometry | None:
    """WKT or GeoJSON (lon, lat) when the API sends either; None for anything else."""
    if not text or not text.strip():
        return None
    try:
        geometry = from_wkt(text.strip())
    except Exception:
        try:
            import json

            geometry = shape(json.loads(text))
        except Exception:
            return None
    if (
        geometry is None
        or geometry.is_empty
        or geometry.geom_type
        not in (
            "Polygon",
            "MultiPolygon",
        )
    ):
        return None
    return geometry
