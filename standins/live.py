"""Local stand-ins for PDOK Locatieserver and the police API v4, on 127.0.0.1.

They replay the shapes documented in shared/data/politie_api_samples/API_NOTES.md and can
misbehave on request: slow (answer after 10 s), 500 with an HTML page, 204 empty, malformed JSON,
or down (a port nobody listens on). Each stand-in counts the requests it got, so a test can see
whether an answer came from the cache.

The answers below are test fixtures in the documented shapes, not recorded live answers: the
names of the wijkagenten are made up and say so.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SLOW_SECONDS = 10.0

# PDOK documents in the documented shape of type "adres" / "postcode" (fixture values).
PDOK_DOCS: dict[str, dict[str, Any]] = {
    "storminkstraat 2": {
        "type": "adres",
        "weergavenaam": "Storminkstraat 2, 7418GJ Deventer",
        "straatnaam": "Storminkstraat",
        "huis_nlt": "2",
        "postcode": "7418GJ",
        "woonplaatsnaam": "Deventer",
        "gemeentenaam": "Deventer",
        "gemeentecode": "0150",
        "buurtcode": "BU01500702",
        "buurtnaam": "Deltabuurt",
        "wijkcode": "WK015007",
        "wijknaam": "Wijk 7 Rivierenwijk en Bergweide",
        "centroide_ll": "POINT(6.1937654 52.2515764)",
        "id": "adr-fixture-1",
        "score": 12.5,
    },
    "7411 ab": {
        # A postcode document: no buurtcode, a newer wijk code we do not know, and a point.
        "type": "postcode",
        "weergavenaam": "7411AB Deventer",
        "postcode": "7411AB",
        "woonplaatsnaam": "Deventer",
        "gemeentenaam": "Deventer",
        "gemeentecode": "0150",
        "wijkcode": "WK015099",
        "centroide_ll": "POINT(6.1595 52.2530)",
        "score": 9.1,
    },
}

# Police API v4 items: all-lowercase keys except displayName, as the notes describe.
AGENT_TUINDORP = {
    "uid": "fixture-agent-1",
    "naam": "Fixture Agent Keizerslanden",
    "displayName": "Fixture Agent Keizerslanden",
    "url": "https://www.politie.nl/mijn-buurt/wijkagenten/fixture-1",
    "publicatiedatum": "01-01-2021 00:00:00",
    "afbeelding": {"url": None, "alttext": ""},
    "telefoon": "",
    "twitter": None,
    "werkgebied": "Keizerslanden: Tuindorp, Ludgeruskwartier, Oranjekwartier",
    "werkgebiedpolygoon": "",
    "extrainformatie": "<p>Fixture</p>",
    "locaties": [{"latitude": 52.2675, "longitude": 6.1667}],
}
AGENT_ELSEWHERE = {
    "uid": "fixture-agent-2",
    "NAAM": "Fixture Agent Zandweerd",
    "URL": "https://www.politie.nl/mijn-buurt/wijkagenten/fixture-2",
    "Werkgebied": "Zandweerd",
}
STATION = {
    "uid": "fixture-station",
    "url": "https://www.politie.nl/mijn-buurt/politiebureaus/02/deventer.html",
    "naam": "Deventer",
    "postadres": {"postadres": "Postbus 1", "postcode": "7400 AA", "plaats": "Deventer"},
    "bezoekadres": {"postadres": "Storminkstraat 2", "postcode": "7418 GJ", "plaats": "Deventer"},
    "openingstijden": "<p>Fixture: maandag t/m vrijdag op afspraak</p>\n"
    "<p>Fixture: balie &amp; loket</p>",
    "locaties": [{"latitude": 52.2515764, "longitude": 6.1937654}],
}


@dataclass
class StandIn:
    """One running stand-in; `mode` may be changed while it runs."""

    url: str
    mode: str = "ok"  # ok | slow | error500 | empty204 | malformed | wrongshape
    requests: list[str] = field(default_factory=list)


def _handler(standin: StandIn, kind: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            standin.requests.append(self.path)
            mode = standin.mode
            if mode == "slow":
                time.sleep(SLOW_SECONDS)
            if mode == "error500":
                return self._send(
                    500, b"<html><body><h1>Er ging iets mis</h1></body></html>", "text/html"
                )
            if mode == "empty204":
                return self._send(204, b"", None)
            if mode == "malformed":
                return self._send(200, b'{"wijkagenten": [{"naam": "half', "application/json")
            if mode == "wrongshape":
                return self._send(200, b'{"iets": "anders"}', "application/json")
            parts = urlsplit(self.path)
            query = {k: v for k, v in parse_qs(parts.query).items()}
            body = _pdok(query) if kind == "pdok" else _politie(parts.path, query)
            if body is None:
                return self._send(204, b"", None)
            self._send(200, json.dumps(body).encode(), "application/json;charset=UTF-8")

        def _send(self, status: int, body: bytes, content_type: str | None) -> None:
            try:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): fine

    return Handler


def _pdok(query: dict[str, list[str]]) -> dict[str, Any] | None:
    q = " ".join(query.get("q", [""])[0].lower().split())
    doc = PDOK_DOCS.get(q)
    docs = [doc] if doc else []
    return {"response": {"numFound": len(docs), "start": 0, "maxScore": 1.0, "docs": docs}}


def _politie(path: str, query: dict[str, list[str]]) -> dict[str, Any] | None:
    if path.endswith("/wijkagenten"):
        items = [AGENT_TUINDORP, AGENT_ELSEWHERE]
        return {"iterator": {"last": True, "offset": 0}, "wijkagenten": items}
    if path.endswith("/politiebureaus"):
        return {"iterator": {"last": True, "offset": 0}, "politiebureaus": [STATION]}
    return None


@contextmanager
def serve(kind: str, mode: str = "ok") -> Iterator[StandIn]:
    """A stand-in for `kind` ("pdok" or "politie") on a free port of 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    server.block_on_close = False
    host, port = server.server_address[:2]
    prefix = "/bzk/locatieserver/search/v3_1" if kind == "pdok" else "/v4"
    standin = StandIn(f"http://{host}:{port}{prefix}", mode)
    server.RequestHandlerClass = _handler(standin, kind)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


def down_url(kind: str) -> str:
    """A base URL on 127.0.0.1 where nothing listens (the service is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    prefix = "/bzk/locatieserver/search/v3_1" if kind == "pdok" else "/v4"
    return f"http://127.0.0.1:{port}{prefix}"


def serve_forever_main() -> None:  # pragma: no cover - manual use: python -m standins.live
    import sys

    kind = sys.argv[1] if len(sys.argv) > 1 else "politie"
    mode = sys.argv[2] if len(sys.argv) > 2 else "ok"
    with serve(kind, mode) as standin:
        print(standin.url, flush=True)
        threading.Event().wait()
