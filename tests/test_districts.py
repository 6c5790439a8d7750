"""District lookup offline: polygons, sourced addresses, postcodes, names, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from shapely.geometry import shape

from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.districts import Districts, find_postcode
from bot.core.messages import Query

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(scope="module")
def districts(content: Content) -> Districts:
    return Districts.from_content(content)


def _dms(degrees: float, minutes: float, seconds: float) -> float:
    return degrees + minutes / 60 + seconds / 3600


def test_every_buurt_representative_point_maps_to_that_buurt(districts: Districts) -> None:
    features = json.loads(
        (resources.files("bot") / "data" / "buurten_2021.geojson").read_text(encoding="utf-8")
    )["features"]
    assert len(features) == 69
    wrong = []
    for feature in features:
        point = shape(feature["geometry"]).representative_point()
        place = districts.by_location(point.y, point.x)
        if place.buurt != feature["properties"]["statcode"]:
            wrong.append((feature["properties"]["statcode"], place.buurt))
    assert wrong == []


# Real addresses in Deventer with coordinates from public sources (each named; "id" is the id of
# the stored file version in the public-code index used to find it). The expected wijk is the one
# the address lies in by its postcode and street (e.g. 7433 is Schalkhaar, the Karel de Groteplein
# is Keizerslanden's shopping square), not what the polygons say. Coordinates are copied as the
# source gives them; nothing here is geocoded by us.
SOURCED = [
    # Station Deventer, Stationsplein 4 (rijksmonument): 52°15'26"N 6°9'39"E,
    # https://de.wiki.li/Bahnhof_Deventer (German Wikipedia mirror). On the Singel: Binnenstad.
    ("Stationsplein 4", _dms(52, 15, 26), _dms(6, 9, 39), "WK015001"),
    # Stadion De Adelaarshorst, Vetkampstraat 1, 7416 WK: 52°15'37.5"N 6°10'21.5"E,
    # https://wikipedia.jakami.de/content/wikipedia_de_all_mini_2024-06/A/Stadion_De_Adelaarshorst
    # "in de wijk Voorstad Oost" (http://www.stadionwonen.nl/project).
    ("Vetkampstraat 1", _dms(52, 15, 37.5), _dms(6, 10, 21.5), "WK015004"),
    # Vue Deventer, Boreelplein 36, 7411 EH: 52.2534403, 6.165785, from the Vue cinema list in a
    # public GitHub file (vuecinemas.nl data, found with find_string "Deventer\",\"lat").
    ("Boreelplein 36", 52.2534403, 6.165785, "WK015001"),
    # Bergkerk, Bergkerkplein 1, 7411 EN (https://www.parcum.be/nl/herbestemming-kerken/bergkerk):
    # 52.252, 6.163 from the DANS record of Archeologie Deventer's sprinkler-pit report
    # (https://b2find.eudat.eu/dataset/87b3bc4d-5d92-5fdd-be7e-385862b90e99).
    ("Bergkerkplein 1", 52.252, 6.163, "WK015001"),
    # De Waag, Brink 56 (rijksmonument 12508; address from the Dutch Wikipedia article as mirrored
    # at https://sagapedia.com/nl/Waag_(Deventer)): N 52° 15.091 E 006° 09.600, from
    # https://www.waymarking.com/waymarks/wm13ME2_Waag_Deventer_NL. On the Brink: Binnenstad.
    ("Brink 56", 52 + 15.091 / 60, 6 + 9.600 / 60, "WK015001"),
    # Grote of Lebuïnuskerk on the Grote Kerkhof, 7411 (https://nl.wikipedia.org/wiki/Grote_Kerkhof):
    # 52.2519, 6.1551 from the Wikipedia article as mirrored at
    # https://uz.wikiaro.ru/wiki/Lebu%C3%AFnuskerk,_Deventer. Old town by the IJssel: Binnenstad.
    ("Grote Kerkhof (Lebuïnuskerk)", 52.2519, 6.1551, "WK015001"),
    # Jumbo Deventer De Boreel, Boreelplein 4, 7411 EH: "latitude": "52.253411", "longitude":
    # "6.165298"; GitHub armando-reyna/jumbo-api src/main/resources/store-data.json
    # (commit c3f5f5c), also sabiasrl/jumbo-store
    # jumbo-stores-finder/src/main/resources/stores.json (commit 701f3ca).
    ("Boreelplein 4", 52.253411, 6.165298, "WK015001"),
    # Jumbo Deventer Eddie Dijkman, Constantijn Huygensstraat 2, 7412 MH (the Schrijversbuurt of
    # Zandweerd): 52.267400, 6.142730; the same two Jumbo store files.
    ("Constantijn Huygensstraat 2", 52.2674, 6.14273, "WK015003"),
    # Jumbo Colmschate, Flora 2, 7422 LL Colmschate: 52.247877, 6.217211;
    # sabiasrl/jumbo-store jumbo-stores-finder/src/main/resources/stores.json (commit 701f3ca).
    ("Flora 2, Colmschate", 52.247877, 6.217211, "WK015010"),
    # Flora 14, 7422 LL (the same shopping centre): 52.2478, 6.21694; GitHub claudiacaus/Strolly
    # server/src/ini_DB/seedStrollyCenters.js (commit 1aed493, id 14222579712).
    ("Flora 14, Colmschate", 52.2478, 6.21694, "WK015010"),
    # Karel de Groteplein 42, 7415 DH: 52.26936, 6.16456; the same Strolly file.
    ("Karel de Groteplein 42", 52.26936, 6.16456, "WK015006"),
    # Jumbo Bathmen Dennis Eikelboom, Larenseweg 18, 7437 BM Bathmen: "latitude": 52.248608,
    # "longitude": 6.290092; GitHub AssassinLYZ/store_finder public/jumbo-store-data.json
    # (commit 56f3a34, id 39227535728, storeId 5414).
    ("Larenseweg 18, Bathmen", 52.248608, 6.290092, "WK015015"),
    # Lindeboomsweg 1A-2, 7433 BH Schalkhaar: 52.26727, 6.19487; the same Strolly file.
    ("Lindeboomsweg 1A, Schalkhaar", 52.26727, 6.19487, "WK015012"),
    # EasyTrans Software, Keulenstraat 1, 7418 ET (business park Bergweide): the example payload in
    # GitHub smekkos/easytrans-python-sdk tests/test_rest_models.py (id 41690918406) gives
    # "latitude": 6.1941298, "longitude": 52.2366999 -- the labels are swapped there; the digits
    # are used unchanged.
    ("Keulenstraat 1", 52.2366999, 6.1941298, "WK015007"),
    # Gemeente Deventer (stadhuis), Grote Kerkhof 4, 7411 KT: Point(6.155650, 52.251550) in GitHub
    # maykinmedia/open-inwoner src/open_inwoner/pdc/tests/test_product_location.py (id 8840634323);
    # a test fixture (its e-mail and phone are placeholders); the point is 55 m from the church.
    ("Grote Kerkhof 4", 52.25155, 6.15565, "WK015001"),
    # Sherwany Barbershop, Grote Overstraat 56, 7411 JD: latitude 52.2521794, longitude 6.1593413;
    # GitHub JustinGriffioen/sherwany-site lib/site-config.ts (id 21143001035).
    ("Grote Overstraat 56", 52.2521794, 6.1593413, "WK015001"),
    # Abdij Sion, Vulikerweg 6, 7431 PJ Diepenveen (https://fietsnetwerk.nl/de/aussteigen/
    # kloster-nieuw-sion-diepenveen): 52°18'30.6"N 6°11'35.7"E from the English Wikipedia article
    # "Sion Abbey (Netherlands)" (mirror https://n.global.ssl.fastly.net/Sion_Abbey_(Netherlands)).
    ("Vulikerweg 6, Diepenveen", _dms(52, 18, 30.6), _dms(6, 11, 35.7), "WK015011"),
    # Grote Synagoge, Golstraat 23, 7411 BN (rijksmonument 510759; https://reliwiki.nl/index.php/
    # Deventer,_Golstraat_23_-_Synagoge): 52°15'10"N 6°09'42"E from the English Wikipedia article
    # "Great Synagogue (Deventer)" (mirror https://wikiclassic.com/wiki/Great_Synagogue_(Deventer)).
    ("Golstraat 23", _dms(52, 15, 10), _dms(6, 9, 42), "WK015001"),
    # De Proosdij, Sandrasteeg 8, 7411 KS (https://fietsnetwerk.nl/de/aussteigen/
    # proosdij-buveburcht-deventer): GPS 52°15'10.5"N 6°9'19.8"E from Europa Nostra's awards
    # archive, https://europeanheritageawards-archive.eu/laureates-1978-2022/detail/de-proosdij-deventer.
    ("Sandrasteeg 8", _dms(52, 15, 10.5), _dms(6, 9, 19.8), "WK015001"),
]


def test_sourced_addresses_are_real_and_spread() -> None:
    """The issue asks for 15 real addresses; they should not all sit in the old town."""
    assert len(SOURCED) >= 15
    assert len({s[0] for s in SOURCED}) == len(SOURCED)
    assert len({s[3] for s in SOURCED}) >= 8


@pytest.mark.parametrize(("address", "lat", "lon", "wijk"), SOURCED, ids=[s[0] for s in SOURCED])
def test_sourced_addresses_map_to_their_wijk(
    districts: Districts, address: str, lat: float, lon: float, wijk: str
) -> None:
    assert districts.by_location(lat, lon, address).wijk == wijk


def test_bergkerk_is_in_the_bergkwartier(districts: Districts) -> None:
    # "De Bergkerk vormt letterlijk het hoogtepunt van het Bergkwartier" (parcum.be, above).
    assert districts.by_location(52.252, 6.163).buurt == "BU01500102"


def test_police_station_lands_on_the_border_it_is_on(districts: Districts) -> None:
    # Politiebureau Deventer, Storminkstraat 2, 7418 GJ: lat 52.2515764, lon 6.1937654
    # (shared/facts/FACTS.md, police open data API, November 2020). The generalised shapes put it
    # in Snipperling (Colmschate-Zuid), 87 m from the Deltabuurt (Rivierenwijk en Bergweide):
    # too close to a generalised border to claim either; the geocoder decides (test_live.py).
    place = districts.by_location(52.2515764, 6.1937654)
    assert place.wijk in {"WK015010", "WK015007"}
    assert "WK015007" in districts.wijken_near(52.2515764, 6.1937654, 150)


def test_a_point_in_the_ijssel_west_of_the_centre_gets_the_nearest_buurt(
    districts: Districts,
) -> None:
    # Rijkswaterstaat's gauge "Deventer (IJssel)" at 52.251, 6.153 (a public GitHub file of water
    # level stations, found with find_string "\"name\": \"Deventer"), in the river by the Welle.
    place = districts.by_location(52.251, 6.153)
    assert place.found and place.wijk in {"WK015001", "WK015002"}
    far = districts.by_location(52.251, 6.10)  # 3.5 km west, in Gelderland
    assert far.outside and not far.found


@pytest.mark.parametrize(
    ("text", "pc4", "letters"),
    [("7411AB", "7411", "AB"), ("7411 ab", "7411", "AB"), ("wijkagent 7411?", "7411", None)],
)
def test_find_postcode(text: str, pc4: str, letters: str | None) -> None:
    found = find_postcode(text)
    assert found is not None and (found.pc4, found.letters) == (pc4, letters)


@pytest.mark.parametrize("text", ["bel 0900-8844", "0800-7000 anoniem", "0900-0101"])
def test_phone_numbers_are_not_postcodes(text: str) -> None:
    assert find_postcode(text) is None


def test_postcodes_and_names(districts: Districts) -> None:
    hoven = districts.find("7419")
    assert hoven is not None and hoven.wijk == "WK015002"
    tuindorp = districts.find("Tuindorp")
    assert tuindorp is not None and (tuindorp.wijk, tuindorp.buurt) == ("WK015006", "BU01500602")
    colmschate = districts.find("Colmschate")
    assert colmschate is not None and not colmschate.found
    assert colmschate.options == ("WK015008", "WK015009", "WK015010")
    outside = districts.find("8011 AB")
    assert outside is not None and outside.outside
    typo = districts.find("keizerslandn")
    assert typo is not None and typo.wijk == "WK015006"


def test_point_of_lies_in_its_area(districts: Districts) -> None:
    for code in ("BU01500602", "WK015006", "WK015015"):
        point = districts.point_of(code)
        assert point is not None
        place = districts.by_location(*point)
        assert code in (place.buurt, place.wijk)
    assert districts.point_of("WK999999") is None


def test_geocoder_codes_are_checked_against_ours(districts: Districts) -> None:
    known = districts.from_geocoder("x", "BU01500702", "WK015007", 52.25, 6.19)
    assert known is not None and (known.wijk, known.buurt) == ("WK015007", "BU01500702")
    unknown = districts.from_geocoder("x", "BU01509999", "WK015099", 52.2534403, 6.165785)
    assert unknown is not None and unknown.wijk == "WK015001" and unknown.source == "adres"
    assert districts.from_geocoder("x", None, None, None, None) is None


async def test_dialogue_answers(assistant: Assistant) -> None:
    hoven = await assistant.reply(Query(text="wie is mijn wijkagent in 7419"))
    assert hoven.wijk == "WK015002" and "De Hoven" in hoven.text
    tuindorp = await assistant.reply(Query(text="wie is de wijkagent van Tuindorp"))
    assert tuindorp.wijk == "WK015006" and "Keizerslanden" in tuindorp.text
    colmschate = await assistant.reply(Query(text="wijkagent Colmschate"))
    assert colmschate.awaiting == "plaats"
    assert [b.payload for b in colmschate.buttons] == [
        "wijk:WK015008",
        "wijk:WK015009",
        "wijk:WK015010",
    ]
    outside = await assistant.reply(Query(text="wijkagent 8011 AB"))
    assert outside.wijk is None and "politie.nl/mijn-buurt" in outside.text
    assert "0900-8844" in outside.text  # the way to reach the police is always there


async def test_ask_then_answer_or_ask_something_else(assistant: Assistant) -> None:
    asked = await assistant.reply(Query(text="wie is mijn wijkagent?"))
    assert asked.awaiting == "plaats" and asked.ask_location
    answered = await assistant.reply(Query(text="Keizerslanden", awaiting="plaats"))
    assert answered.wijk == "WK015006"
    other = await assistant.reply(Query(text="hoe doe ik aangifte?", awaiting="plaats"))
    assert other.wijk is None and other.intent == "aangifte_doen"


async def test_station_question_gives_a_venue_without_live_data(assistant: Assistant) -> None:
    reply = await assistant.reply(Query(text="Waar is het politiebureau?"))
    assert reply.venue is not None
    assert (reply.venue.lat, reply.venue.lon) == (52.2515764, 6.1937654)
    assert "Storminkstraat 2" in reply.venue.address


def _ask(*args: str, env: dict[str, str] | None = None) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--content", str(CONTENT_DIR), "ask", "--json", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize(
    ("args", "wijk", "buurt"),
    [
        (["wie is de wijkagent van Tuindorp"], "WK015006", "BU01500602"),
        (["wijkagent 7419"], "WK015002", "BU01500201"),
        (["", "--location", "52.2534403,6.165785"], "WK015001", "BU01500105"),
    ],
)
def test_cli_ask_json_fills_wijk_and_buurt(
    tmp_path, args: list[str], wijk: str, buurt: str
) -> None:
    env = {"WIJKBOT_OFFLINE": "1", "WIJKBOT_DATA_DIR": str(tmp_path / "data")}
    out = _ask(*args, env=env)
    assert (out["wijk"], out["buurt"]) == (wijk, buurt)
