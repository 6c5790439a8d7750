"""The shape of live data the assistant can use when it is reachable, and never needs.

The real client (PDOK geocoder, police open data API) implements this Protocol; the assistant only
sees these types, so a failing or slow service can never change what the core does besides
leaving out the live facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.districts import Place


@dataclass(frozen=True)
class LiveAgent:
    naam: str
    url: str | None = None
    werkgebied: str | None = None


@dataclass(frozen=True)
class LiveAgents:
    agents: tuple[LiveAgent, ...]
    retrieved: str  # ISO date the data was fetched (may come from the cache)


class LiveLookup(Protocol):
    async def geocode(self, text: str) -> Place | None:
        """A street, address or full postcode in Deventer as a Place, or None."""
        ...

    async def agents(self, place: Place) -> LiveAgents | None:
        """The wijkagenten whose werkgebied covers the place, or None when unknown."""
        ...
