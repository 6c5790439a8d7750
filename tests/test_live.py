"""Live data through local stand-ins: names appear when the police answer, content when not.

The stand-ins (standins/live.py) run on 127.0.0.1; "down" is a port nobody listens on, "slow"
answers after 10 s. Time bounds are generous upper bounds the issue asks for (4 s).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.content.model import Content
from bot.core.assistant import Assistant
from bot.core.districts import Place
from bot.core.live import LiveAgent, covering
from bot.core.messages import Query
from bot.live_client import (
    DiskCache,
    HttpLiveLookup,
    agent_from_item,
    place_from_pdok,
    station_from_item,
)
from standins.live import AGENT_TUINDORP, STATION, down_url, serve

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
TUINDORP = "wie is de wijkagent van Tuindorp"


def _lookup(pdok: str, politie: str, cache_dir: Path, clock=time.time) -> HttpLiveLookup:
    return HttpLiveLookup(pdok, politie, DiskCache(cache_dir, clock=clock))


def _cached(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*.json")) if cache_dir.exists() else []


async def test_live_agent_name_appears(content: Content, tmp_path: Path) -> None:
    with serve("pdok") as pdok, serve("politie") as politie:
        live = _lookup(pdok.url, politie.url, tmp_path / "cache")
        reply = await Assistant(content, live=live).reply(Query(text=TUINDORP))
        await live.aclose()
    assert reply.wijk == "WK015006"
    assert "Fixture Agent Keizerslanden" in reply.text
    assert "https://www.politie.nl/mijn-buurt/wijkagenten/fixture-1" in reply.text
    # The nearest agent of another area is not shown: nearest is not responsible.
    assert "Fixture Agent Zandweerd" not in reply.text
    assert len(politie.requests) == 1 and "lat=52.2" in politie.requests[0]
    assert pdok.requests == []  # a buurt name needs no geocoder
    assert len(_cached(tmp_path / "cache")) == 1


@pytest.mark.parametrize("mode", ["down", "slow"])
async def test_police_down_or_slow_answers_from_content_in_time(
    content: Content, tmp_path: Path, mode: str
) -> None:
    with serve("politie", "slow") as slow:
        url = down_url("politie") if mode == "down" else slow.url
        live = _lookup(down_url("pdok"), url, tmp_path / "cache")
        assistant = Assistant(content, live=live)
        started = time.monotonic()
        reply = await assistant.reply(Query(text=TUINDORP))
        elapsed = time.monotonic() - started
        await live.aclose()
    assert elapsed < 4.0
    assert reply.wijk == "WK015006"
    assert "politie.nl/mijn-buurt" in reply.text and "0900-8844" in reply.text
    assert "Fixture Agent" not in reply.text
    assert _cached(tmp_path / "cache") == []


@pytest.mark.parametrize("mode", ["error500", "empty204", "malformed", "wrongshape"])
async def test_bad_police_answers_are_survived_and_never_cached(
    content: Content, tmp_path: Path, mode: str
) -> None:
    with serve("politie", mode) as politie:
        live = _lookup(down_url("pdok"), politie.url, tmp_path / "cache")
        reply = await Assistant(content, live=live).reply(Query(text=TUINDORP))
        await live.aclose()
    assert len(politie.requests) == 1
    assert reply.wijk == "WK015006" and "Fixture Agent" not in reply.text
    assert "0900-8844" in reply.text
    assert _cached(tmp_path / "cache") == []


@pytest.mark.parametrize("mode", ["down", "slow", "error500", "empty204", "malformed"])
async def test_bad_geocoder_falls_back_to_offline(
    content: Content, tmp_path: Path, mode: str
) -> None:
    with serve("pdok", "slow" if mode == "down" else mode) as pdok:
        url = down_url("pdok") if mode == "down" else pdok.url
        live = _lookup(url, down_url("politie"), tmp_path / "cache")
        started = time.monotonic()
        reply = await Assistant(content, live=live).reply(
            Query(text="Vetkampstraat 1", awaiting="plaats")
        )
        elapsed = time.monotonic() - started
        await live.aclose()
    assert elapsed < 4.0
    assert reply.awaiting == "plaats"  # not found offline: asks again, with the location button
    assert _cached(tmp_path / "cache") == []


async def test_cache_is_used_and_expires(content: Content, tmp_path: Path) -> None:
    now = [1_000_000.0]
    with serve("politie") as politie:
        live = _lookup(down_url("pdok"), politie.url, tmp_path / "cache", clock=lambda: now[0])
        assistant = Assistant(content, live=live)
        for _ in range(2):
            reply = await assistant.reply(Query(text=TUINDORP))
            assert "Fixture Agent Keizerslanden" in reply.text
        assert len(politie.requests) == 1
        now[0] += 25 * 3600
        await assistant.reply(Query(text=TUINDORP))
        assert len(politie.requests) == 2
        # With the service gone, an expired entry is not served either: content answers.
        politie.mode = "error500"
        now[0] += 25 * 3600
        reply = await assistant.reply(Query(text=TUINDORP))
        await live.aclose()
    assert "Fixture Agent" not in reply.text


async def test_street_and_full_postcode_through_the_geocoder(
    content: Content, tmp_path: Path
) -> None:
    with serve("pdok") as pdok:
        live = _lookup(pdok.url, down_url("politie"), tmp_path / "cache")
        assistant = Assistant(content, live=live)
        street = await assistant.reply(Query(text="Storminkstraat 2", awaiting="plaats"))
        question = await assistant.reply(Query(text="wie is de wijkagent van Storminkstraat 2?"))
        postcode = await assistant.reply(Query(text="wijkagent 7411 AB"))
        await live.aclose()
    # The geocoder's codes win over the generalised polygon (which says Snipperling).
    assert (street.wijk, street.buurt) == ("WK015007", "BU01500702")
    assert question.wijk == "WK015007"
    # A wijk code we do not know (a newer division) is not trusted: the point decides.
    assert postcode.wijk == "WK015001"
    assert any("q=7411+AB" in r or "q=7411%20AB" in r for r in pdok.requests)


async def test_faq_never_calls_live_services(content: Content, tmp_path: Path) -> None:
    with serve("pdok") as pdok, serve("politie") as politie:
        live = _lookup(pdok.url, politie.url, tmp_path / "cache")
        assistant = Assistant(content, live=live)
        await assistant.reply(Query(text="hoe doe ik aangifte van fietsdiefstal"))
        await assistant.reply(Query(text="blabla"))
        await assistant.reply(Query(text="wat doet een wijkagent"))
        await live.aclose()
    assert pdok.requests == [] and politie.requests == []


async def test_station_question_prefers_the_police_live_data(
    content: Content, tmp_path: Path
) -> None:
    with serve("politie") as politie:
        live = _lookup(down_url("pdok"), politie.url, tmp_path / "cache")
        assistant = Assistant(content, live=live)
        reply = await assistant.reply(Query(text="Waar is het politiebureau?"))
        button = await assistant.reply(Query(text="", action="faq:politiebureau"))
        await live.aclose()
    assert reply.intent == "politiebureau"
    assert "open data van de politie (opgehaald" in reply.text
    assert "Storminkstraat 2, 7418 GJ Deventer" in reply.text
    # The police's opening hours, as plain lines (the fixture's HTML paragraphs).
    assert "Fixture: maandag t/m vrijdag op afspraak\nFixture: balie & loket" in reply.text
    assert "<p>" not in reply.text and "november 2020" not in reply.text
    assert reply.venue is not None and reply.venue.address == "Storminkstraat 2, 7418 GJ Deventer"
    assert (reply.venue.lat, reply.venue.lon) == (52.2515764, 6.1937654)
    assert "112" in reply.lines and "0900-8844" in reply.lines
    assert button.text == reply.text
    assert len(politie.requests) == 1 and "/politiebureaus?" in politie.requests[0]


@pytest.mark.parametrize("mode", ["down", "error500", "empty204", "malformed"])
async def test_station_question_falls_back_to_content(
    content: Content, tmp_path: Path, mode: str
) -> None:
    with serve("politie", "ok" if mode == "down" else mode) as politie:
        url = down_url("politie") if mode == "down" else politie.url
        live = _lookup(down_url("pdok"), url, tmp_path / "cache")
        reply = await Assistant(content, live=live).reply(Query(text="adres politiebureau"))
        await live.aclose()
    assert reply.intent == "politiebureau" and "november 2020" in reply.text
    assert reply.venue is not None and "Storminkstraat 2" in reply.venue.address
    assert _cached(tmp_path / "cache") == []


async def test_station_from_the_police_api(tmp_path: Path) -> None:
    with serve("politie") as politie:
        live = _lookup(down_url("pdok"), politie.url, tmp_path / "cache")
        station = await live.station(52.25, 6.19)
        await live.aclose()
    assert station is not None
    assert station.adres == "Storminkstraat 2, 7418 GJ Deventer"
    assert (station.lat, station.lon) == (52.2515764, 6.1937654)
    assert station.url == STATION["url"]


async def test_cached_answers_keep_the_date_they_were_fetched(tmp_path: Path) -> None:
    fetched = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC).timestamp()
    now = [fetched]
    with serve("politie") as politie:
        live = _lookup(down_url("pdok"), politie.url, tmp_path / "cache", clock=lambda: now[0])
        live.today = lambda: dt.date.fromtimestamp(now[0])
        first = await live.station(52.25, 6.19)
        now[0] += 20 * 3600  # the next day, still within the 24 h the cache keeps answers
        again = await live.station(52.25, 6.19)
        await live.aclose()
    assert len(politie.requests) == 1
    assert first is not None and again is not None
    assert again.retrieved == first.retrieved == dt.date.fromtimestamp(fetched).isoformat()


def test_station_without_visiting_address() -> None:
    # A real item (Diepenheim) from a recorded police API answer of July 2020: the desk closed,
    # only a Postbus in Apeldoorn is left, which is no place to walk to.
    item = {
        "naam": "Diepenheim (Hof van Twente)",
        "postadres": {"adres": "Postbus 618", "postcode": "7300 AP", "plaats": "Apeldoorn"},
        "bezoekadres": {"adres": "", "postcode": "", "plaats": ""},
        "openingstijden": "\n\n<p>In Diepenheim wordt geen spreekuur meer gehouden.</p>\n\n"
        '<p>U kunt contact opnemen met het <a href="https://www.politie.nl/x.html">politiebureau'
        " in\nGoor (Hof van Twente)</a></p>\n\n\n",
        "locaties": [{"latitude": 52.197753, "longitude": 6.556909000000019}],
    }
    station = station_from_item(item, "2020-07-29")
    assert station is not None and station.adres is None
    assert station.openingstijden == (
        "In Diepenheim wordt geen spreekuur meer gehouden.\n"
        "U kunt contact opnemen met het politiebureau in Goor (Hof van Twente)"
    )
    assert station_from_item({**item, "openingstijden": "x " * 1000}).openingstijden.endswith("…")


def test_tolerant_parsing() -> None:
    upper = agent_from_item({"NAAM": "A", "Url": "https://x", "WERKGEBIED": "<b>Tuindorp</b>"})
    assert upper == LiveAgent("A", "https://x", "Tuindorp", None)
    assert agent_from_item({"displayName": "B", "url": "javascript:x"}) == LiveAgent("B")
    assert agent_from_item({"naam": None}) is None and agent_from_item("x") is None
    assert agent_from_item(AGENT_TUINDORP) is not None
    doc = {"centroide_ll": "POINT(6.16 52.25)", "gemeentecode": "0150"}
    assert place_from_pdok(doc, "q") == Place("adres", "q", lat=52.25, lon=6.16)
    assert place_from_pdok({"gemeentenaam": "Zwolle", "buurtcode": "BU0193"}, "q").outside
    assert place_from_pdok({"type": "weg"}, "q") is None


def test_covering_uses_polygon_first_then_words() -> None:
    square = "POLYGON((6.16 52.26, 6.18 52.26, 6.18 52.28, 6.16 52.28, 6.16 52.26))"
    inside = LiveAgent("In", werkgebied="Zandweerd", polygon=square)
    outside = LiveAgent("Out", werkgebied="Tuindorp", polygon=square.replace("52.2", "52.3"))
    by_text = LiveAgent("Text", werkgebied="Wijk Keizerslanden en Tuindorp")
    partial = LiveAgent("Partial", werkgebied="Tuindorpstraat")
    broken = LiveAgent("Broken", werkgebied="Tuindorp", polygon="niet te lezen")
    found = covering([inside, outside, by_text, partial, broken], ["Tuindorp"], 52.27, 6.17)
    assert [a.naam for a in found] == ["In", "Text", "Broken"]


def test_cli_ask_with_standins(tmp_path: Path) -> None:
    with serve("pdok") as pdok, serve("politie") as politie:
        env = {
            **os.environ,
            "WIJKBOT_PDOK_URL": pdok.url,
            "WIJKBOT_POLITIE_API_URL": politie.url,
            "WIJKBOT_DATA_DIR": str(tmp_path / "data"),
        }
        env.pop("WIJKBOT_OFFLINE", None)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "--content",
                str(CONTENT_DIR),
                "ask",
                "--json",
                TUINDORP,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["wijk"], out["buurt"]) == ("WK015006", "BU01500602")
    assert "Fixture Agent Keizerslanden" in out["text"]
    data = tmp_path / "data"
    assert (data.stat().st_mode & 0o777) == 0o700
    assert list((data / "cache" / "live").glob("*.json"))


def _all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


async def test_an_address_lookup_leaves_no_address_on_disk(
    content: Content, tmp_path: Path
) -> None:
    """The geocoder's answer is kept in memory; the police are asked about the buurt's point."""
    with serve("pdok") as pdok, serve("politie") as politie:
        live = _lookup(pdok.url, politie.url, tmp_path / "cache")
        reply = await Assistant(content, live=live).reply(
            Query(text="wie is de wijkagent van Storminkstraat 2?")
        )
        await live.aclose()
    assert reply.wijk == "WK015007" and pdok.requests
    stored = _all_bytes(tmp_path / "cache")
    assert stored, "the police answer is cached"
    for needle in (b"Storminkstraat", b"storminkstraat", b"52.2515", b"6.1937"):
        assert needle not in stored
    assert len(live.addresses) == 1  # in memory, for the next question


def test_the_purge_removes_expired_and_older_versions_cache_files(tmp_path: Path) -> None:
    now = [1_000_000.0]
    cache = DiskCache(tmp_path / "cache", clock=lambda: now[0])
    cache.put("fresh", {"wijkagenten": []})
    # What an older version wrote for a geocoder look-up: an address with its coordinate.
    legacy = {"stored_at": now[0], "value": {"response": {"docs": [{"weergavenaam": "Brink 12"}]}}}
    (tmp_path / "cache" / "legacy.json").write_text(json.dumps(legacy))
    assert cache.purge() == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] != ["legacy.json"]
    assert b"Brink 12" not in _all_bytes(tmp_path / "cache")
    now[0] += 25 * 3600
    assert cache.purge() == 1
    assert list((tmp_path / "cache").iterdir()) == []
