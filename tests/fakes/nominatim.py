"""A real, local Nominatim look-alike for offline tests.

Usage::

    from tests.fakes.nominatim import fake_nominatim  # noqa: F401  (pytest fixture)

    def test_x(fake_nominatim):
        geocoder = Geocoder(fake_nominatim.url, user_agent="test")
        fake_nominatim.mode = "down"

or without pytest: ``with FakeNominatim() as server: ...``.

Implements ``/search`` and ``/reverse`` (``format=json``) over a small built-in
gazetteer of Dortmund places plus Bochum Hbf (outside Dortmund).  ``mode``
switches failure behaviour: ``"ok"``, ``"down"`` (HTTP 503), ``"slow"`` (waits
``slow_seconds`` before answering), ``"refuse"`` (closes the socket without an
answer), ``"ratelimit"`` (HTTP 429) and ``"garbage"`` (HTTP 200, invalid JSON).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = ["GAZETTEER", "MODES", "FakeNominatim", "GazetteerEntry", "fake_nominatim"]

MODES = ("ok", "down", "slow", "refuse", "ratelimit", "garbage")
REVERSE_RADIUS_M = 2000.0


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    lat: float
    lon: float
    address: dict = field(default_factory=dict)  # Nominatim addressdetails
    aliases: tuple[str, ...] = ()
    osm_class: str = "place"
    osm_type: str = "square"

    @property
    def search_names(self) -> tuple[str, ...]:
        return tuple(n.casefold() for n in (self.name, *self.aliases))

    def display_name(self) -> str:
        a = self.address
        parts = [
            self.name if self.name != a.get("road") else None,
            a.get("house_number"),
            a.get("road"),
            a.get("suburb"),
            a.get("city"),
            a.get("state"),
            a.get("postcode"),
            a.get("country"),
        ]
        return ", ".join(p for p in parts if p)


def _addr(**kw: str) -> dict:
    base = {"state": "Nordrhein-Westfalen", "country": "Deutschland", "country_code": "de"}
    return {**kw, **base}


GAZETTEER: tuple[GazetteerEntry, ...] = (
    GazetteerEntry(
        "Rathaus",
        51.5136,
        7.4653,
        _addr(
            house_number="1",
            road="Friedensplatz",
            suburb="Innenstadt-West",
            city="Dortmund",
            postcode="44135",
        ),
        aliases=("Friedensplatz 1", "Friedensplatz", "Rathaus Dortmund"),
        osm_class="amenity",
        osm_type="townhall",
    ),
    GazetteerEntry(
        "Borsigplatz",
        51.5233,
        7.4817,
        _addr(road="Borsigplatz", suburb="Innenstadt-Nord", city="Dortmund", postcode="44145"),
    ),
    GazetteerEntry(
        "Phoenix-See",
        51.4900,
        7.5100,
        _addr(suburb="Hörde", city="Dortmund", postcode="44263"),  # no road: display_name fallback
        aliases=("Phoenixsee", "Phönixsee"),
        osm_class="natural",
        osm_type="water",
    ),
    GazetteerEntry(
        "Aplerbecker Marktplatz",
        51.4918,
        7.5546,
        _addr(
            house_number="21",
            road="Aplerbecker Marktplatz",
            suburb="Aplerbeck",
            city="Dortmund",
            postcode="44287",
        ),
    ),
    GazetteerEntry(
        "Mengede Markt",
        51.5701,
        7.3880,
        _addr(suburb="Mengede", city="Dortmund", postcode="44359"),
        aliases=("Mengeder Markt",),
        osm_class="place",
        osm_type="square",
    ),
    GazetteerEntry(
        "Bochum Hauptbahnhof",
        51.4785,
        7.2228,
        _addr(
            house_number="13",
            road="Kurt-Schumacher-Platz",
            suburb="Innenstadt",
            city="Bochum",
            postcode="44787",
        ),
        aliases=("Bochum Hbf",),
        osm_class="railway",
        osm_type="station",
    ),
)


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


class FakeNominatim:
    """Threaded HTTP server on 127.0.0.1 with an ephemeral port."""

    def __init__(
        self, places: tuple[GazetteerEntry, ...] = GAZETTEER, slow_seconds: float = 3.0
    ) -> None:
        self.places: list[GazetteerEntry] = list(places)
        self.slow_seconds = slow_seconds
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._mode = "ok"
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {value!r}")
        self._mode = value

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requests_to(self, path: str) -> list[dict[str, str]]:
        """Params of every request seen on ``path`` (e.g. ``"/search"``)."""
        with self._lock:
            return [params for p, params in self.requests if p == path]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
        self._mode = "ok"

    def add_place(self, entry: GazetteerEntry) -> None:
        self.places.append(entry)

    def start(self) -> FakeNominatim:
        self._stopping.clear()
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True  # a handler stuck in "slow" must not block exit
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-nominatim",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in "slow" mode
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeNominatim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- behaviour ---------------------------------------------------------------------

    def _record(self, path: str, params: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((path, params))

    def search(self, params: dict[str, str]) -> list[dict]:
        q = " ".join(params.get("q", "").split()).casefold()
        if not q:
            return []
        found = [e for e in self.places if any(q in n or n in q for n in e.search_names)]
        if params.get("countrycodes"):
            codes = {c.strip().casefold() for c in params["countrycodes"].split(",")}
            found = [e for e in found if e.address.get("country_code", "").casefold() in codes]
        if params.get("viewbox") and params.get("bounded") in ("1", "true"):
            lon1, lat1, lon2, lat2 = (float(v) for v in params["viewbox"].split(","))
            found = [
                e
                for e in found
                if min(lat1, lat2) <= e.lat <= max(lat1, lat2)
                and min(lon1, lon2) <= e.lon <= max(lon1, lon2)
            ]
        limit = int(params.get("limit") or 10)
        with_address = params.get("addressdetails") in ("1", "true")
        return [self._as_json(e, with_address, i) for i, e in enumerate(found[:limit])]

    def reverse(self, params: dict[str, str]) -> dict:
        lat, lon = float(params["lat"]), float(params["lon"])
        best = min(self.places, key=lambda e: _haversine_m(lat, lon, e.lat, e.lon), default=None)
        if best is None or _haversine_m(lat, lon, best.lat, best.lon) > REVERSE_RADIUS_M:
            return {"error": "Unable to geocode"}
        return self._as_json(best, params.get("addressdetails", "1") in ("1", "true"), 0)

    @staticmethod
    def _as_json(e: GazetteerEntry, with_address: bool, rank: int) -> dict:
        out = {
            "place_id": 100000 + zlib.crc32(e.name.encode()) % 900000,  # stable across runs
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
            "osm_type": "node",
            "osm_id": 1000 + rank,
            "lat": f"{e.lat:.7f}",
            "lon": f"{e.lon:.7f}",
            "class": e.osm_class,
            "type": e.osm_type,
            "place_rank": 30,
            "importance": round(0.5 - rank * 0.01, 4),
            "addresstype": e.osm_type,
            "name": e.name,
            "display_name": e.display_name(),
            "boundingbox": [
                f"{e.lat - 0.0005:.7f}",
                f"{e.lat + 0.0005:.7f}",
                f"{e.lon - 0.0005:.7f}",
                f"{e.lon + 0.0005:.7f}",
            ],
        }
        if with_address:
            out["address"] = dict(e.address)
        return out


class _Handler(BaseHTTPRequestHandler):
    fake: FakeNominatim  # set on the per-server subclass
    server_version = "FakeNominatim/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output clean

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = parts.path.rstrip("/") or "/"
        self.fake._record(path, params)

        mode = self.fake.mode
        if mode == "refuse":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "down":
            return self._send(503, b"Service Unavailable", "text/plain")
        if mode == "ratelimit":
            return self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
        if mode == "garbage":
            return self._send(200, b"<html>not json", "application/json")
        if mode == "slow" and self.fake._stopping.wait(self.fake.slow_seconds):
            return  # server stopping: drop the request

        try:
            if path in ("/search", "/search.php"):
                body = self.fake.search(params)
            elif path in ("/reverse", "/reverse.php"):
                try:
                    body = self.fake.reverse(params)
                except (KeyError, ValueError):
                    return self._json(
                        400,
                        {"error": {"code": 400, "message": "Parameter 'lat' and 'lon' required"}},
                    )
            else:
                return self._json(404, {"error": "not found"})
        except Exception as exc:  # surface fake bugs as 500, like a real server would
            return self._json(500, {"error": repr(exc)})
        self._json(200, body)

    def _json(self, status: int, body: object) -> None:
        self._send(
            status, json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8"
        )

    def _send(
        self, status: int, payload: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # client gave up (e.g. timed out in "slow" mode)


def _with_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = ["127.0.0.1", "localhost"]
    for var in ("NO_PROXY", "no_proxy"):
        current = [h for h in os.environ.get(var, "").split(",") if h.strip()]
        monkeypatch.setenv(var, ",".join(current + [h for h in hosts if h not in current]))


@pytest.fixture
def fake_nominatim(monkeypatch: pytest.MonkeyPatch):
    """A started :class:`FakeNominatim`; stopped after the test."""
    _with_no_proxy(monkeypatch)  # any HTTP client in the test must bypass env proxies
    server = FakeNominatim().start()
    try:
        yield server
    finally:
        server.stop()
