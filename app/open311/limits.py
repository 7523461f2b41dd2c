"""Rate limit of the API: ``OPEN311_RATE_LIMIT`` (default 2000 per minute) per API key, or per
client address for requests without a valid key; all API routes share one budget.

Counters live in ``RATELIMIT_STORAGE_URI`` (memory by default, Redis when configured, so that
several web processes share them). ``RATELIMIT_ENABLED=False`` switches limiting off.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter

from app.cities.cache import generation
from app.open311.keys import ActiveKey, find_active_key

DEFAULT_RATE_LIMIT = "2000/minute"
EXTENSION = "open311_limiter"
_UNSET = object()
_ENVIRON_KEY = "quartiersmelder.open311.api_key"


API_KEY_HEADER = "X-API-Key"
API_KEY_FIELD = "api_key"  # the form field and query parameter of GeoReport v2


def api_key_token() -> str | None:
    """The api_key sent with this request: the ``X-API-Key`` header (recommended: headers do
    not end up in access logs), else the form field or the query string (GeoReport v2)."""
    token = request.headers.get(API_KEY_HEADER)
    if token:
        return token
    if request.method == "POST":
        token = request.form.get(API_KEY_FIELD)
    return token or request.args.get(API_KEY_FIELD)


def request_api_key() -> ActiveKey | None:
    """The active key of this request (looked up once per request, and again if the
    configuration caches were dropped since: the limiter asks before the request's city version
    check, which may find the key revoked)."""
    # Kept in the WSGI environ, not on ``g``: an app context (and its ``g``) can outlive a request.
    current = generation()
    cached = request.environ.get(_ENVIRON_KEY, _UNSET)
    if cached is _UNSET or cached[0] != current:
        cached = (current, find_active_key(api_key_token()))
        request.environ[_ENVIRON_KEY] = cached
    return cached[1]


def rate_limit_key() -> str:
    key = request_api_key()
    if key is not None:
        return f"key:{key.id}"
    return f"addr:{request.remote_addr or 'unknown'}"


def rate_limit_value() -> str:
    return current_app.config.get("OPEN311_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def init_limiter(app: Flask, bp: Blueprint) -> Limiter:
    """A limiter of this app for the API blueprint (one per app, so apps do not share state)."""
    limiter = Limiter(key_func=rate_limit_key, headers_enabled=False)
    limiter.shared_limit(rate_limit_value, scope="open311", key_func=rate_limit_key)(bp)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    return limiter
