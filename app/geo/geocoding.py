"""Forward and reverse geocoding against a Nominatim service (no Flask).

Wraps geopy's :class:`~geopy.geocoders.Nominatim` with a short timeout, a
thread-safe TTL cache and a single failure type, :class:`GeocoderUnavailable`,
so callers only distinguish "found", "not found" (``None``) and "service
unusable right now".
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cachetools import TTLCache
from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from app.geo.index import is_valid_coordinate

__all__ = ["Geocoder", "GeocoderUnavailable", "Place"]

log = logging.getLogger(__name__)

# Nominatim address keys, most specific first.
_STREET_KEYS = ("road", "pedestrian", "square", "footway", "path", "cycleway")
_LOCALITY_KEYS = ("city", "town", "village", "municipality")

_MISSING = object()


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    address: str  # short human address, e.g. "Friedensplatz 1, 44135 Dortmund"
    zipcode: str | None


class GeocoderUnavailable(Exception):
    """The geocoding service could not answer (timeout, refused, 5xx, 429, bad JSON, ...)."""


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def short_address(raw: dict[str, Any]) -> str:
    """Short form ``Road 1, 12345 City`` from addressdetails; else ``display_name``."""
    addr = raw.get("address") or {}
    street = next((addr[k] for k in _STREET_KEYS if addr.get(k)), None)
    display = str(raw.get("display_name") or "").strip()
    if not street:
        # Without a street the short form would just be "44135 Dortmund",
        # which hides what was actually found (a lake, a square...).
        return display
    first = f"{street} {addr['house_number']}" if addr.get("house_number") else str(street)
    locality = next((addr[k] for k in _LOCALITY_KEYS if addr.get(k)), None)
    second = " ".join(str(p) for p in (addr.get("postcode"), locality) if p)
    return ", ".join(p for p in (first, second) if p) or display


class Geocoder:
    """Nominatim client with caching.

    ``url`` is the service base, e.g. ``"https://nominatim.openstreetmap.org"``
    or ``"http://127.0.0.1:8123"`` (a path prefix is kept).  ``viewbox`` is
    ``((lat1, lon1), (lat2, lon2))``; when given, forward searches are bounded
    to it.  Results, including "not found", are cached for ``cache_ttl``
    seconds; failures are not cached.  ``cache_size=0`` disables the cache.
    """

    def __init__(
        self,
        url: str,
        user_agent: str,
        timeout: float = 3.0,
        country_codes: str | list[str] | None = "de",
        viewbox: tuple[tuple[float, float], tuple[float, float]] | None = None,
        cache_size: int = 2048,
        cache_ttl: float = 86400,
    ) -> None:
        if not user_agent or not user_agent.strip():
            raise ValueError("user_agent is required by the Nominatim usage policy")
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"geocoder url must be http(s)://host[:port][/path], got {url!r}")
        if viewbox is not None:
            (a_lat, a_lon), (b_lat, b_lon) = viewbox
            if not (is_valid_coordinate(a_lat, a_lon) and is_valid_coordinate(b_lat, b_lon)):
                raise ValueError(f"invalid viewbox {viewbox!r}")
        self.timeout = float(timeout)
        self.country_codes = country_codes
        self.viewbox = viewbox

        kwargs: dict[str, Any] = {}
        if _is_loopback(parts.hostname or ""):
            # A local (test or sidecar) service must never be reached through
            # a proxy from the environment, whatever NO_PROXY says.
            kwargs["proxies"] = {}
        self._nominatim = Nominatim(
            domain=parts.netloc + parts.path.rstrip("/"),
            scheme=parts.scheme,
            user_agent=user_agent.strip(),
            timeout=self.timeout,
            # Pinned rather than geopy's default, which silently becomes
            # RequestsAdapter once `requests` is installed: that one retries
            # twice (tripling the worst-case latency of a web request) and
            # ignores proxy settings from the environment.
            adapter_factory=URLLibAdapter,
            **kwargs,
        )
        self._cache: TTLCache | None = (
            TTLCache(maxsize=cache_size, ttl=cache_ttl) if cache_size > 0 else None
        )
        self._lock = threading.Lock()

    # -- public API --------------------------------------------------------------------

    def geocode(self, query: str) -> Place | None:
        """Best match for a free-text query; ``None`` if nothing (or a blank query)."""
        text = " ".join((query or "").split())
        if not text:
            return None
        key = ("search", text.casefold())
        cached = self._cache_get(key)
        if cached is not _MISSING:
            return cached
        kwargs: dict[str, Any] = {
            "exactly_one": True,
            "addressdetails": True,
            "language": "de",
            "country_codes": self.country_codes,
        }
        if self.viewbox is not None:
            kwargs.update(viewbox=self.viewbox, bounded=True)
        place = self._call(self._nominatim.geocode, text, **kwargs)
        self._cache_put(key, place)
        return place

    def reverse(self, lat: float, lon: float) -> Place | None:
        """Address at a coordinate; ``None`` if the service knows nothing there."""
        if not is_valid_coordinate(lat, lon):
            raise ValueError(f"invalid coordinate: lat={lat!r}, lon={lon!r}")
        lat_r, lon_r = round(float(lat), 5), round(float(lon), 5)  # ~1 m; improves hit rate
        key = ("reverse", lat_r, lon_r)
        cached = self._cache_get(key)
        if cached is not _MISSING:
            return cached
        place = self._call(
            self._nominatim.reverse,
            (lat_r, lon_r),
            exactly_one=True,
            addressdetails=True,
            language="de",
        )
        self._cache_put(key, place)
        return place

    def clear_cache(self) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache.clear()

    # -- internals ---------------------------------------------------------------------

    def _call(self, fn, *args: Any, **kwargs: Any) -> Place | None:
        try:
            location = fn(*args, **kwargs)
            if location is None:
                return None
            raw = location.raw if isinstance(location.raw, dict) else {}
            zipcode = (raw.get("address") or {}).get("postcode")
            return Place(
                lat=float(location.latitude),
                lon=float(location.longitude),
                address=short_address(raw) or str(location.address or ""),
                zipcode=str(zipcode) if zipcode else None,
            )
        # OSError covers socket errors and ssl.SSLError; HTTPException covers a
        # server that hangs up mid-response; the rest are malformed payloads
        # that slipped past geopy's parser (e.g. a JSON list of strings).
        except (GeopyError, OSError, http.client.HTTPException) as exc:
            log.warning("geocoder unavailable: %s: %s", type(exc).__name__, exc)
            raise GeocoderUnavailable(str(exc) or type(exc).__name__) from exc
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            log.warning("geocoder returned an unusable answer: %s", exc)
            raise GeocoderUnavailable(f"unusable response: {exc}") from exc

    def _cache_get(self, key: tuple) -> Any:
        if self._cache is None:
            return _MISSING
        with self._lock:
            return self._cache.get(key, _MISSING)

    def _cache_put(self, key: tuple, value: Place | None) -> None:
        # The HTTP call runs outside the lock so a slow lookup doesn't block
        # every other request; a rare duplicate lookup is the price.
        if self._cache is not None:
            with self._lock:
                self._cache[key] = value
