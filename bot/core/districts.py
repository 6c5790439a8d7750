"""Finds the CBS wijk and buurt of Deventer for a postcode, a place name or a coordinate.

Offline and exact where the data is exact (village postcodes, names, polygons), honest where it is
not: a city PC4 spans several wijken, so it yields options to choose from, not a guess.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process
from shapely import STRtree, transform
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from bot.content.model import Buurt, Content, Wijk
from bot.core.text import fold, raw_tokens

# The generalised CBS shapes are off by up to a few hundred metres; a point this close to a buurt
# still belongs to Deventer (a house on the IJssel bank), further away it does not.
NEAREST_MAX_METRES = 400
PC4_OPTION_RADIUS_METRES = 900
# Not part of a phone number like 0900-8844 or 0800-7000 (a dash or digit on either side).
_POSTCODE_RE = re.compile(r"(?<![\d-])([1-9]\d{3})\s?([a-zA-Z]{2})?(?![a-zA-Z\d]|-\d)")
_METRES_PER_DEGREE = 111_320
# Deventer spans 20 km: an equirectangular projection around its centre is accurate to well under
# a metre here, so distances can be plain Euclidean metres.
_COS_LAT = math.cos(math.radians(52.25))


def _to_metres(lat: float, lon: float) -> Point:
    return Point(lon * _METRES_PER_DEGREE * _COS_LAT, lat * _METRES_PER_DEGREE)


def _project(coords: np.ndarray) -> np.ndarray:
    return coords * np.array([_METRES_PER_DEGREE * _COS_LAT, _METRES_PER_DEGREE])


def _to_degrees(point: Point) -> tuple[float, float]:
    """The inverse of _to_metres: (lat, lon)."""
    return point.y / _METRES_PER_DEGREE, point.x / (_METRES_PER_DEGREE * _COS_LAT)


Source = Literal["postcode", "naam", "locatie", "adres", "geheugen"]


@dataclass(frozen=True)
class Place:
    """What a lookup found. Exactly one of: a wijk (maybe a buurt), options, or outside."""

    source: Source
    query: str
    wijk: str | None = None
    buurt: str | None = None
    options: tuple[str, ...] = ()  # wijk codes to choose from
    outside: bool = False
    lat: float | None = None
    lon: float | None = None

    @property
    def found(self) -> bool:
        return self.wijk is not None


@dataclass(frozen=True)
class Postcode:
    pc4: str
    letters: str | None

    @property
    def text(self) -> str:
        return f"{self.pc4} {self.letters}" if self.letters else self.pc4


def find_postcode(text: str) -> Postcode | None:
    """The first Dutch postcode in a message: "7411AB", "7411 ab" or "7411"."""
    match = _POSTCODE_RE.search(text)
    if not match:
        return None
    letters = match.group(2).upper() if match.group(2) else None
    if letters in {"SA", "SD", "SS"}:  # never issued in Dutch postcodes
        letters = None
    return Postcode(match.group(1), letters)


@dataclass
class Districts:
    """Lookups over the 15 wijken and 69 buurten; built once per content version."""

    wijken: dict[str, Wijk]
    buurten: dict[str, Buurt]
    wijk_of_buurt: dict[str, str]
    names: dict[str, tuple[str, ...]]  # folded name -> buurt or wijk codes
    pc4_wijk: dict[str, str]  # postcodes known to lie in one wijk
    pc4_points: dict[str, tuple[float, float]]  # every Deventer PC4, one point each
    shapes: list[BaseGeometry] = field(repr=False)
    shape_codes: list[str] = field(repr=False)
    tree: STRtree = field(repr=False)
    _first_words: frozenset[str] = field(init=False, repr=False)
    _name_list: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._first_words = frozenset(name.split()[0] for name in self.names if name)
        self._name_list = list(self.names)

    @classmethod
    def from_content(cls, content: Content) -> Districts:
        wijken = {w.code: w for w in content.districts.wijken}
        buurten = {b.code: b for w in wijken.values() for b in w.buurten}
        wijk_of_buurt = {b.code: w.code for w in wijken.values() for b in w.buurten}
        names: dict[str, set[str]] = defaultdict(set)
        for wijk in wijken.values():
            for name in [wijk.naam, *wijk.namen]:
                names[_key(name)].add(wijk.code)
            for buurt in wijk.buurten:
                for name in [buurt.naam, *buurt.namen]:
                    names[_key(name)].add(buurt.code)
        pc4_wijk = {pc: w.code for w in wijken.values() for pc in w.postcodes}
        data = resources.files("bot") / "data"
        features = json.loads((data / "buurten_2021.geojson").read_text(encoding="utf-8"))
        shapes, codes = [], []
        for feature in features["features"]:
            code = feature["properties"]["statcode"]
            if code in buurten:
                shapes.append(transform(shape(feature["geometry"]), _project))
                codes.append(code)
        with (data / "pc4_geonames.tsv").open(encoding="utf-8") as fh:
            pc4_points = {
                row["postal_code"]: (float(row["latitude"]), float(row["longitude"]))
                for row in csv.DictReader(fh, delimiter="\t")
            }
        return cls(
            wijken=wijken,
            buurten=buurten,
            wijk_of_buurt=wijk_of_buurt,
            names={k: tuple(sorted(v)) for k, v in names.items()},
            pc4_wijk=pc4_wijk,
            pc4_points=pc4_points,
            shapes=shapes,
            shape_codes=codes,
            tree=STRtree(shapes),
        )

    # -- postcodes -------------------------------------------------------------------------

    def by_postcode(self, postcode: Postcode) -> Place:
        query = postcode.text
        if postcode.pc4 not in self.pc4_points:
            return Place("postcode", query, outside=True)
        wijk = self.pc4_wijk.get(postcode.pc4)
        if wijk:
            buurten = self.wijken[wijk].buurten
            buurt = buurten[0].code if len(buurten) == 1 else None
            return Place("postcode", query, wijk=wijk, buurt=buurt)
        lat, lon = self.pc4_points[postcode.pc4]
        return Place(
            "postcode", query, options=self.wijken_near(lat, lon, PC4_OPTION_RADIUS_METRES)
        )

    def wijken_near(self, lat: float, lon: float, radius: float) -> tuple[str, ...]:
        """Wijken with a buurt within radius metres of the point, nearest first."""
        point = _to_metres(lat, lon)
        best: dict[str, float] = {}
        for i in self.tree.query(point, predicate="dwithin", distance=radius):
            metres = self.shapes[i].distance(point)
            wijk = self.wijk_of_buurt[self.shape_codes[i]]
            if metres <= radius and metres < best.get(wijk, math.inf):
                best[wijk] = metres
        return tuple(sorted(best, key=best.__getitem__))

    # -- coordinates -----------------------------------------------------------------------

    def by_location(
        self, lat: float, lon: float, query: str = "", source: Source = "locatie"
    ) -> Place:
        """Point in polygon; else the nearest buurt within NEAREST_MAX_METRES; else outside.

        Where generalised shapes overlap, the buurt whose interior holds the point most deeply
        wins, so a result never depends on the order of the file.
        """
        point = _to_metres(lat, lon)
        hits = [int(i) for i in self.tree.query(point, predicate="intersects")]
        if hits:
            best = max(hits, key=lambda i: self.shapes[i].boundary.distance(point))
            return self._place_of_buurt(source, query, self.shape_codes[best], lat, lon)
        nearest = self.tree.query_nearest(point, max_distance=NEAREST_MAX_METRES)
        if len(nearest):
            return self._place_of_buurt(source, query, self.shape_codes[int(nearest[0])], lat, lon)
        return Place(source, query, outside=True, lat=lat, lon=lon)

    def point_of(self, code: str) -> tuple[float, float] | None:
        """A point (lat, lon) inside a buurt, or inside the largest buurt of a wijk.

        The police API answers by coordinate, so a place known only by name needs one.
        """
        if code in self.wijken:
            codes = [b.code for b in self.wijken[code].buurten]
            shapes = [
                self.shapes[self.shape_codes.index(c)] for c in codes if c in self.shape_codes
            ]
            shape_ = max(shapes, key=lambda s: s.area) if shapes else None
        elif code in self.shape_codes:
            shape_ = self.shapes[self.shape_codes.index(code)]
        else:
            shape_ = None
        return None if shape_ is None else _to_degrees(shape_.representative_point())

    def from_geocoder(
        self,
        query: str,
        buurt: str | None,
        wijk: str | None,
        lat: float | None,
        lon: float | None,
    ) -> Place | None:
        """A Place from an address search: its CBS codes when they are ours, else its point.

        The geocoder may use a newer CBS division than the shipped one, so codes we do not know
        are not trusted; the coordinate then decides, through the same polygons as a location.
        """
        if buurt in self.buurten:
            return Place(
                "adres", query, wijk=self.wijk_of_buurt[buurt], buurt=buurt, lat=lat, lon=lon
            )
        if lat is not None and lon is not None:
            return self.by_location(lat, lon, query, source="adres")
        if wijk in self.wijken:
            place = self.by_code(wijk, source="adres")
            return (
                None if place is None else Place("adres", query, wijk=place.wijk, buurt=place.buurt)
            )
        return None

    def _place_of_buurt(
        self,
        source: Source,
        query: str,
        code: str,
        lat: float | None = None,
        lon: float | None = None,
    ) -> Place:
        return Place(source, query, wijk=self.wijk_of_buurt[code], buurt=code, lat=lat, lon=lon)

    # -- names -----------------------------------------------------------------------------

    def by_name(self, text: str) -> Place | None:
        """A wijk, buurt or village named in the text (typos allowed in longer names)."""
        words = raw_tokens(text)
        firsts = self._first_words
        for size in range(min(5, len(words)), 0, -1):
            for i in range(len(words) - size + 1):
                if words[i] not in firsts:  # no name starts here: skip the joins
                    continue
                codes = self.names.get(" ".join(words[i : i + size]))
                if codes:
                    return self._place_of_codes(" ".join(words[i : i + size]), codes)
        for word in dict.fromkeys(words):
            if len(word) < 6:
                continue
            found = process.extractOne(word, self._name_list, scorer=fuzz.ratio, score_cutoff=86)
            if found:
                return self._place_of_codes(word, self.names[found[0]])
        return None

    def _place_of_codes(self, query: str, codes: tuple[str, ...]) -> Place:
        wijken = sorted({c if c.startswith("WK") else self.wijk_of_buurt[c] for c in codes})
        if len(wijken) > 1:
            return Place("naam", query, options=tuple(wijken))
        buurten = [c for c in codes if c.startswith("BU")]
        wijk = wijken[0]
        if not buurten and len(self.wijken[wijk].buurten) == 1:
            buurten = [self.wijken[wijk].buurten[0].code]
        return Place("naam", query, wijk=wijk, buurt=buurten[0] if len(buurten) == 1 else None)

    def by_code(self, code: str, source: Source = "naam") -> Place | None:
        if code in self.buurten:
            return self._place_of_buurt(source, code, code)
        if code in self.wijken:
            buurten = self.wijken[code].buurten
            return Place(
                source, code, wijk=code, buurt=buurten[0].code if len(buurten) == 1 else None
            )
        return None

    def name_words(self, ordinary: Iterable[str] = ()) -> frozenset[str]:
        """Words of place names (for the matcher to ignore), minus ordinary words like "dorp"
        (content/taal.yaml: gewone_plaatswoorden)."""
        words = {w for name in self.names for w in name.split()}
        return frozenset(w for w in words if len(w) > 3) - set(ordinary)

    def find(self, text: str) -> Place | None:
        """A place from free text: a postcode first (it is the most precise), else a name."""
        postcode = find_postcode(text)
        if postcode:
            return self.by_postcode(postcode)
        return self.by_name(text)


def _key(name: str) -> str:
    return " ".join(raw_tokens(fold(name)))
