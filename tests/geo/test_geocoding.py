"""Geocoder against the local fake Nominatim (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import socket
import time

import pytest

from app.geo.geocoding import Geocoder, GeocoderUnavailable, Place, short_address
from tests.fakes.nominatim import FakeNominatim, fake_nominatim  # noqa: F401 - pytest fixture

DORTMUND_VIEWBOX = ((51.60, 7.30), (51.41, 7.64))


@pytest.fixture
def geocoder(fake_nominatim) -> Geocoder:  # noqa: F811 - fixture injection
    return Geocoder(fake_nominatim.url, user_agent="quartiersmelder-tests", timeout=0.5)


# --------------------------------------------------------------------------- happy path


def test_geocode_found(geocoder, fake_nominatim):  # noqa: F811
    place = geocoder.geocode("Friedensplatz 1, Dortmund")
    assert place == Place(
        lat=51.5136, lon=7.4653, address="Friedensplatz 1, 44135 Dortmund", zipcode="44135"
    )
    (params,) = fake_nominatim.requests_to("/search")
    assert params["q"] == "Friedensplatz 1, Dortmund"
    assert params["format"] == "json"
    assert params["addressdetails"] == "1"
    assert params["accept-language"] == "de"
    assert params["countrycodes"] == "de"
    assert params["limit"] == "1"
    assert "viewbox" not in params
    assert "bounded" not in params


def test_geocode_street_without_house_number(geocoder):
    assert geocoder.geocode("borsigplatz").address == "Borsigplatz, 44145 Dortmund"


def test_geocode_without_street_falls_back_to_display_name(geocoder):
    place = geocoder.geocode("Phoenix-See")
    assert place.address.startswith("Phoenix-See, Hörde, Dortmund")
    assert place.zipcode == "44263"


def test_geocode_not_found(geocoder, fake_nominatim):  # noqa: F811
    assert geocoder.geocode("Atlantis Hauptstraße 1") is None
    assert len(fake_nominatim.requests_to("/search")) == 1


def test_blank_query_does_not_hit_the_server(geocoder, fake_nominatim):  # noqa: F811
    assert geocoder.geocode("   ") is None
    assert fake_nominatim.requests == []


def test_reverse_found_and_not_found(geocoder, fake_nominatim):  # noqa: F811
    place = geocoder.reverse(51.51352, 7.46511)  # a few metres from the Rathaus
    assert place is not None
    assert place.address == "Friedensplatz 1, 44135 Dortmund"
    assert place.zipcode == "44135"
    assert (place.lat, place.lon) == (51.5136, 7.4653)
    # Far from every gazetteer entry: Nominatim answers {"error": "Unable to geocode"}.
    assert geocoder.reverse(52.0, 8.0) is None
    params = fake_nominatim.requests_to("/reverse")
    assert params[0]["addressdetails"] == "1"
    assert params[0]["accept-language"] == "de"
    assert len(params) == 2


def test_reverse_rejects_invalid_coordinates(geocoder, fake_nominatim):  # noqa: F811
    with pytest.raises(ValueError, match="invalid coordinate"):
        geocoder.reverse(91, 7)
    assert fake_nominatim.requests == []


# --------------------------------------------------------------------------- caching


def test_cache_hit_does_not_reach_server_twice(geocoder, fake_nominatim):  # noqa: F811
    first = geocoder.geocode("Borsigplatz")
    # Normalised key: whitespace and case don't matter.
    assert geocoder.geocode("  borsigPLATZ ") == first
    assert len(fake_nominatim.requests_to("/search")) == 1

    assert geocoder.reverse(51.52330, 7.48170) == geocoder.reverse(
        51.523301, 7.481702
    )  # same at 5 decimals
    assert len(fake_nominatim.requests_to("/reverse")) == 1


def test_not_found_is_cached(geocoder, fake_nominatim):  # noqa: F811
    assert geocoder.geocode("Nirgendwo") is None
    assert geocoder.geocode("nirgendwo") is None
    assert geocoder.reverse(52.0, 8.0) is None
    assert geocoder.reverse(52.0, 8.0) is None
    assert len(fake_nominatim.requests) == 2


def test_cache_can_be_disabled(fake_nominatim):  # noqa: F811
    g = Geocoder(fake_nominatim.url, user_agent="t", cache_size=0)
    g.geocode("Borsigplatz")
    g.geocode("Borsigplatz")
    assert len(fake_nominatim.requests) == 2


def test_cache_expires(fake_nominatim):  # noqa: F811
    g = Geocoder(fake_nominatim.url, user_agent="t", cache_ttl=0.2)
    g.geocode("Borsigplatz")
    time.sleep(0.3)
    g.geocode("Borsigplatz")
    assert len(fake_nominatim.requests) == 2


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("mode", ["down", "slow", "refuse", "ratelimit", "garbage"])
def test_failures_raise_unavailable_and_are_not_cached(geocoder, fake_nominatim, mode):  # noqa: F811
    fake_nominatim.mode = mode
    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable):
        geocoder.geocode("Borsigplatz")
    with pytest.raises(GeocoderUnavailable):
        geocoder.reverse(51.5233, 7.4817)
    # "slow" must be cut off by the 0.5 s client timeout, not wait for the server.
    assert time.monotonic() - started < 2 * 1.5

    fake_nominatim.mode = "ok"
    assert geocoder.geocode("Borsigplatz").zipcode == "44145"
    assert geocoder.reverse(51.5233, 7.4817).zipcode == "44145"
    # Both calls after recovery went to the server: the failures were not cached.
    assert len(fake_nominatim.requests_to("/search")) == 2
    assert len(fake_nominatim.requests_to("/reverse")) == 2


def test_connection_refused_raises_unavailable():
    # A port nobody listens on: bind, read the port, close.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    g = Geocoder(f"http://127.0.0.1:{port}", user_agent="t", timeout=0.5)
    with pytest.raises(GeocoderUnavailable):
        g.geocode("Borsigplatz")


def test_env_proxy_is_not_used_for_loopback(fake_nominatim, monkeypatch):  # noqa: F811
    # A dead proxy in the environment must not break calls to a local service.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    g = Geocoder(fake_nominatim.url, user_agent="t", timeout=0.5)
    assert g.geocode("Borsigplatz") is not None


# --------------------------------------------------------------------------- viewbox


def test_viewbox_and_bounded_are_sent(fake_nominatim):  # noqa: F811
    g = Geocoder(fake_nominatim.url, user_agent="t", viewbox=DORTMUND_VIEWBOX)
    assert g.geocode("Borsigplatz") is not None
    (params,) = fake_nominatim.requests_to("/search")
    assert params["viewbox"] == "7.3,51.41,7.64,51.6"  # lon1,lat1,lon2,lat2 as Nominatim expects
    assert params["bounded"] == "1"


def test_viewbox_excludes_places_outside(fake_nominatim):  # noqa: F811
    unbounded = Geocoder(fake_nominatim.url, user_agent="t")
    bounded = Geocoder(fake_nominatim.url, user_agent="t", viewbox=DORTMUND_VIEWBOX)
    assert (
        unbounded.geocode("Bochum Hauptbahnhof").address == "Kurt-Schumacher-Platz 13, 44787 Bochum"
    )
    assert bounded.geocode("Bochum Hauptbahnhof") is None


# --------------------------------------------------------------------------- configuration


def test_configuration_validation():
    with pytest.raises(ValueError, match="user_agent"):
        Geocoder("http://127.0.0.1:1", user_agent="")
    with pytest.raises(ValueError, match="geocoder url"):
        Geocoder("127.0.0.1:8123", user_agent="t")  # scheme missing
    with pytest.raises(ValueError, match="invalid viewbox"):
        Geocoder("http://127.0.0.1:1", user_agent="t", viewbox=((91, 0), (0, 0)))


def test_url_with_path_prefix():
    with FakeNominatim() as server:
        g = Geocoder(server.url + "/", user_agent="t")
        assert g.geocode("Borsigplatz") is not None
        # A path prefix (reverse-proxied Nominatim) is kept in front of /search.
        g2 = Geocoder(server.url + "/nominatim", user_agent="t")
        assert g2._nominatim.api == server.url + "/nominatim/search"


def test_short_address_variants():
    assert (
        short_address(
            {
                "display_name": "X",
                "address": {
                    "road": "A-Str",
                    "house_number": "3",
                    "postcode": "44135",
                    "town": "Schwerte",
                },
            }
        )
        == "A-Str 3, 44135 Schwerte"
    )
    assert (
        short_address({"display_name": "X", "address": {"pedestrian": "Westenhellweg"}})
        == "Westenhellweg"
    )
    assert (
        short_address({"display_name": "Somewhere, Dortmund", "address": {"city": "Dortmund"}})
        == "Somewhere, Dortmund"
    )
    assert short_address({"display_name": "Only display"}) == "Only display"
