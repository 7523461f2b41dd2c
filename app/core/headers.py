"""Security headers on every response: Content-Security-Policy, frame protection, nosniff,
Referrer-Policy, Permissions-Policy, and HSTS in production.

Added to every response on its way out of the app (``app.core.edge``, the WSGI middleware
around it, so error pages and files get them too) rather than by Flask-Talisman: the policy is
a handful of fixed headers plus the tile server's origin, Talisman's other features (forcing
HTTPS, rewriting the session cookie, nonces for inline scripts) are either done elsewhere or
not wanted, and a dependency less keeps this readable in one place. Pages carry no inline
script or style: scripts and styles come from this site's static files, so the policy needs no
``'unsafe-inline'``.

A view may set any of these headers itself; only what is missing is added. The values are made
once per set of settings and added to the WSGI header list as they are (werkzeug's ``Headers``
would check each value again on every response: about 2 % of an API request).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

# Geolocation for "use my location" on the report form; nothing else a page could ask for.
PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
    "display-capture=(), interest-cohort=()"
)
# Other sites (the tile server) learn the origin, never a page's path: status pages and partner
# links carry references and tokens in theirs. The tile server's usage policy needs a referrer.
REFERRER_POLICY = "strict-origin-when-cross-origin"


def tile_source(tiles_url: str) -> str | None:
    """The CSP source of a Leaflet tile URL template: its origin, with ``{s}`` subdomains as
    ``*``; ``None`` for tiles of this site (a relative URL) or no tiles."""
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host:
        # "{s}.tile.example.org": every subdomain; a placeholder elsewhere in the host cannot
        # be expressed, so the scheme alone is allowed for images.
        labels = host.split(".")
        if labels[0].startswith("{") and "{" not in ".".join(labels[1:]):
            host = "*." + ".".join(labels[1:])
        else:
            return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


@lru_cache(maxsize=8)
def content_security_policy(tiles_url: str) -> str:
    images = ["'self'", "data:"]
    tiles = tile_source(tiles_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


@lru_cache(maxsize=8)
def _policy_headers(tiles_url: str, hsts_max_age: int) -> tuple[tuple[str, str, str], ...]:
    """(lower-case name, name, value) of each header of the policy, for these settings."""
    headers = [
        ("Content-Security-Policy", content_security_policy(tiles_url)),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", REFERRER_POLICY),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if hsts_max_age:
        headers.append(("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"))
    return tuple((name.lower(), name, value) for name, value in headers)


def policy_headers(config: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """(lower-case name, name, value) of each header of the policy, for the app's settings."""
    return _policy_headers(config.get("MAP_TILES_URL") or "", int(config.get("HSTS_MAX_AGE") or 0))


def with_security_headers(
    headers: list[tuple[str, str]], policy: tuple[tuple[str, str, str], ...]
) -> list[tuple[str, str]]:
    """A response's WSGI headers with those of ``policy`` it does not set itself."""
    present = {name.lower() for name, _value in headers}
    return headers + [(name, value) for lower, name, value in policy if lower not in present]
