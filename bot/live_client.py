"""The live lookups over HTTP: PDOK Locatieserver (address -> place) and the police API v4.

Everything here may fail, be slow or answer in an unexpected shape, and none of that may reach a
resident: every call has a hard deadline, every field is optional, keys are read
case-insensitively, and any failure becomes None so the assistant answers from its content.
Good answers are kept on disk for a day (the police ask for few requests); failed ones never are.
A service that just failed is skipped for a minute, so a dead API costs one timeout, not one per
message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import html
import json
import logging
import os
import re
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings
from bot.core.districts import Place
from bot.core.live import LiveAgent, LiveAgents, LiveStation

log = logging.getLogger(__name__)

REQUEST_SECONDS = 2.0  # one request, connect to last byte; two in a row stay under 4 s
CACHE_SECONDS = 24 * 3600
BACKOFF_SECONDS = 60.0
AGENT_RADIUS_KM = "2.0"
_POINT_RE = re.compile(r"POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)", re.I)
_TAGS_RE = re.compile(r"<[^>]+>")
_BREAK_RE = re.compile(r"<\s*(?:br|/p|/li|/div|/h\d)\s*/?\s*>", re.I)
NOTHING: tuple[None, str] = (None, "")
OPENING_HOURS_CHARS = 700  # a full week's hours fit; an essay about them does not


class DiskCache:
    """JSON answers on disk, one file per request, valid for `max_age` seconds.

    Lives in the data directory (created 0700 on first write), so nothing is written for a
    lookup that never succeeds.
    """

    def __init__(
        self,
        directory: Path,
        max_age: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.time,
        ensure_parent: Callable[[], object] | None = None,
    ) -> None:
        self.directory = directory
        self.max_age = max_age
        self.clock = clock
        self._ensure_parent = ensure_parent

    def _path(self, key: str) -> Path:
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def get(self, key: str) -> tuple[Any, float] | None:
        """The value and when it was stored (epoch seconds): a cached fact keeps its own date."""
        try:
            stored = json.loads(self._path(key).read_text(encoding="utf-8"))
            stored_at = float(stored["stored_at"])
            if self.clock() - stored_at > self.max_age:
                return None
            return stored["value"], stored_at
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def purge(self) -> int:
        """Deletes expired answers, and any file from before this cache held police data only
        (older versions kept geocoder answers, i.e. addresses, here too); the count removed."""
        removed = 0
        for path in self.directory.glob("*.json") if self.directory.is_dir() else ():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                fresh = self.clock() - float(stored["stored_at"]) <= self.max_age
                keep = fresh and stored.get("service") == "politie"
            except (OSError, ValueError, KeyError, TypeError):
                keep = False
            if not keep:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def put(self, key: str, value: Any) -> None:
        try:
            if self._ensure_parent is not None:
                self._ensure_parent()
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            stored = {"service": "politie", "stored_at": self.clock(), "value": value}
            payload = json.dumps(stored, ensure_ascii=False)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.replace(tmp, self._path(key))
        except OSError as exc:  # a full or read-only disk must not break an answer
            log.warning("live cache not written: %s", exc.__class__.__name__)


class MemoryCache:
    """Answers in process memory only, at most `size`, valid for `max_age` seconds.

    For the geocoder: its answers are keyed by what a resident typed ("Storminkstraat 2") and
    hold that address's coordinate, so they never go to disk, where they would outlive the
    conversation; a restart forgets them, which costs one request.
    """

    def __init__(
        self,
        size: int = 512,
        max_age: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.size = size
        self.max_age = max_age
        self.clock = clock
        self._rows: OrderedDict[str, tuple[Any, float]] = OrderedDict()

    def get(self, key: str) -> tuple[Any, float] | None:
        row = self._rows.get(key)
        if row is None or self.clock() - row[1] > self.max_age:
            self._rows.pop(key, None)
            return None
        self._rows.move_to_end(key)
        return row

    def put(self, key: str, value: Any) -> None:
        self._rows[key] = (value, self.clock())
        self._rows.move_to_end(key)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def __len__(self) -> int:
        return len(self._rows)


class HttpLiveLookup:
    """LiveLookup over httpx; one AsyncClient per event loop, created on first use."""

    def __init__(
        self,
        pdok_url: str,
        politie_url: str,
        cache: DiskCache | None = None,
        *,
        timeout: float = REQUEST_SECONDS,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.pdok_url = pdok_url.rstrip("/")
        self.politie_url = politie_url.rstrip("/")
        self.cache = cache  # police answers (public points only): disk
        self.addresses = MemoryCache()  # geocoder answers (what residents typed): memory only
        self.timeout = timeout
        self.today = today
        self._clients: dict[int, httpx.AsyncClient] = {}
        self._down_until: dict[str, float] = {}
        # Told about every call that went out, and whether it gave a usable answer (metrics).
        self.observe: Callable[[str, bool], None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpLiveLookup:
        cache = DiskCache(
            settings.data_dir / "cache" / "live", ensure_parent=settings.ensure_data_dir
        )
        return cls(settings.pdok_url, settings.politie_url, cache)

    # -- the LiveLookup protocol ---------------------------------------------------------------

    async def geocode(self, text: str) -> Place | None:
        body, _ = await self._get_json(
            "pdok",
            f"{self.pdok_url}/free",
            {
                "q": text,
                "fq": ["gemeentenaam:Deventer", "type:(adres OR postcode OR weg)"],
                "rows": "1",
            },
            valid=lambda b: any(
                place_from_pdok(d, text) for d in _list(_get(_get(b, "response"), "docs"))
            ),
        )
        for doc in _list(_get(_get(body, "response"), "docs")):
            place = place_from_pdok(doc, text)
            if place is not None:
                return place
        return None

    async def agents(self, place: Place) -> LiveAgents | None:
        if place.lat is None or place.lon is None:
            return None
        body, retrieved = await self._get_json(
            "politie",
            f"{self.politie_url}/wijkagenten",
            _near(place.lat, place.lon),
            valid=lambda b: any(agent_from_item(i) for i in _list(_get(b, "wijkagenten"))),
        )
        items = _list(_get(body, "wijkagenten"))
        agents = tuple(a for a in (agent_from_item(i) for i in items) if a is not None)
        return LiveAgents(agents, retrieved) if agents else None

    async def station(self, lat: float, lon: float) -> LiveStation | None:
        """The police station nearest to a point (preferred over the content's 2020 address)."""
        body, retrieved = await self._get_json(
            "politie",
            f"{self.politie_url}/politiebureaus",
            _near(lat, lon),
            valid=lambda b: any(station_from_item(i) for i in _list(_get(b, "politiebureaus"))),
        )
        for item in _list(_get(body, "politiebureaus")):
            station = station_from_item(item, retrieved)
            if station is not None:
                return station
        return None

    def purge(self) -> int:
        return self.cache.purge() if self.cache is not None else 0

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.aclose()

    # -- HTTP ----------------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                headers={"Accept": "application/json", "User-Agent": "wijkbot"},
                follow_redirects=False,
            )
            self._clients[loop] = client
        return client

    async def _get_json(
        self,
        service: str,
        url: str,
        params: Mapping[str, Any],
        valid: Callable[[Mapping[str, Any]], bool],
    ) -> tuple[Any | None, str]:
        cache: DiskCache | MemoryCache | None = self.addresses if service == "pdok" else self.cache
        """A usable JSON answer and the ISO date it was fetched; (None, "") for anything else.

        Only an answer that `valid` accepts is cached: an error page, an empty or a malformed
        answer is asked again next time. A cached answer keeps the date it was fetched on, so
        "volgens de politie van <datum>" stays true.
        """
        key = f"{url}?{json.dumps(params, sort_keys=True)}"
        if cache is not None:
            cached = cache.get(key)
            if cached is not None:
                return cached[0], dt.date.fromtimestamp(cached[1]).isoformat()
        if time.monotonic() < self._down_until.get(service, 0.0):
            return NOTHING
        body, fetched = await self._fetch(service, url, params, valid)
        if self.observe is not None:
            self.observe(service, fetched)
        if body is not None and cache is not None:
            cache.put(key, body)
        return (body, self.today().isoformat()) if body is not None else NOTHING

    async def _fetch(
        self,
        service: str,
        url: str,
        params: Mapping[str, Any],
        valid: Callable[[Mapping[str, Any]], bool],
    ) -> tuple[Any | None, bool]:
        """The answer worth keeping (or None), and whether the service answered properly."""
        try:
            response = await asyncio.wait_for(
                self._client().get(url, params=params), timeout=self.timeout
            )
        except (TimeoutError, httpx.HTTPError, OSError) as exc:
            log.info("%s unreachable: %s", service, exc.__class__.__name__)
            self._down_until[service] = time.monotonic() + BACKOFF_SECONDS
            return None, False
        if response.status_code == 204:
            return None, True  # "no results": a valid answer, but nothing worth keeping
        if response.status_code != 200:
            log.info("%s answered %s", service, response.status_code)
            if response.status_code >= 500:
                self._down_until[service] = time.monotonic() + BACKOFF_SECONDS
            return None, False
        try:
            body = response.json()
        except ValueError:
            log.info("%s answered something that is not JSON", service)
            return None, False
        if not isinstance(body, Mapping) or not valid(body):
            log.info("%s answered JSON of an unexpected shape", service)
            return None, False
        return body, True


# -- tolerant parsing (public for the tests) -------------------------------------------------


def _get(item: Any, key: str) -> Any:
    """item[key] with the key matched case-insensitively; None when absent or not a mapping."""
    if not isinstance(item, Mapping):
        return None
    if key in item:
        return item[key]
    lowered = key.lower()
    for k, value in item.items():
        if isinstance(k, str) and k.lower() == lowered:
            return value
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(item: Any, key: str) -> str | None:
    value = _get(item, key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return _plain(value) or None


def _plain(html_text: str) -> str:
    """Text without tags or entities, on one line."""
    return " ".join(html.unescape(_TAGS_RE.sub(" ", html_text)).split())


def _html_text(value: Any, limit: int = OPENING_HOURS_CHARS) -> str | None:
    """The police's HTML as plain lines: a paragraph or line break each starts a new line."""
    if not isinstance(value, str):
        return None
    text = "\n".join(line for line in map(_plain, _BREAK_RE.split(value)) if line)
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text or None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # not NaN


def _near(lat: float, lon: float) -> dict[str, str]:
    return {
        "lat": f"{lat:.4f}",  # ~10 m: the same buurt shares one cache entry
        "lon": f"{lon:.4f}",
        "radius": AGENT_RADIUS_KM,
        "maxnumberofitems": "10",
        "language": "nl",
    }


def place_from_pdok(doc: Mapping[str, Any], query: str) -> Place | None:
    """A PDOK document as a Place with the geocoder's codes and point (checked by the caller)."""
    if not isinstance(doc, Mapping):
        return None
    gemeente = _text(doc, "gemeentecode")
    naam = _text(doc, "gemeentenaam")
    if (gemeente is not None and gemeente.upper().lstrip("GM").lstrip("0") != "150") or (
        naam is not None and naam.lower() != "deventer"
    ):
        return Place("adres", query, outside=True)
    lat = lon = None
    match = _POINT_RE.search(_text(doc, "centroide_ll") or "")
    if match:
        lon, lat = float(match.group(1)), float(match.group(2))
    buurt = _text(doc, "buurtcode")
    wijk = _text(doc, "wijkcode")
    if lat is None and buurt is None and wijk is None:
        return None
    return Place("adres", query, wijk=wijk, buurt=buurt, lat=lat, lon=lon)


def agent_from_item(item: Any) -> LiveAgent | None:
    naam = _text(item, "naam") or _text(item, "displayName")
    if naam is None:
        return None
    url = _text(item, "url")
    return LiveAgent(
        naam=naam,
        url=url if url and url.startswith("https://") else None,
        werkgebied=_text(item, "werkgebied"),
        polygon=_get(item, "werkgebiedpolygoon")
        if isinstance(_get(item, "werkgebiedpolygoon"), str)
        else None,
    )


def station_from_item(item: Any, retrieved: str = "") -> LiveStation | None:
    naam = _text(item, "naam")
    locaties = _get(item, "locaties")
    first = locaties[0] if isinstance(locaties, list) and locaties else None
    lat, lon = _float(_get(first, "latitude")), _float(_get(first, "longitude"))
    if naam is None or lat is None or lon is None:
        return None
    # Only the visiting address: a "Postbus" in Apeldoorn is no place to walk to.
    visit = _get(item, "bezoekadres")
    street = _text(visit, "postadres") or _text(visit, "adres") or _text(visit, "straat")
    town = " ".join(p for p in (_text(visit, "postcode"), _text(visit, "plaats")) if p)
    url = _text(item, "url")
    return LiveStation(
        naam=naam,
        adres=", ".join(p for p in (street, town) if p) if street else None,
        lat=lat,
        lon=lon,
        url=url if url and url.startswith("https://") else None,
        openingstijden=_html_text(_get(item, "openingstijden")),
        retrieved=retrieved,
    )
