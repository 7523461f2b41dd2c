"""Rate limit of the API: ``OPEN311_RATE_LIMIT`` (default 2000 per minute) per API key, or per
client address for requests without a valid key; all API routes share one budget.

Counters live in ``RATELIMIT_STORAGE_URI`` (memory by default, Redis when configured, so that
several web processes share them), counted by the ``limits`` library's fixed window
(``RATELIMIT_STRATEGY``) under the same keys Flask-Limiter used; ``RATELIMIT_ENABLED=False``
switches limiting off. The check is one hook of the API blueprint and one storage call per
request (Redis: one round trip), with no per-request work for the rest of the site; a refusal
is a 429 with ``Retry-After`` (``app/open311/errors.py``).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import cached_property

from flask import Blueprint, Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES, RateLimiter
from werkzeug.exceptions import TooManyRequests

from app.cities.cache import generation
from app.open311.keys import ActiveKey, find_active_key

DEFAULT_RATE_LIMIT = "2000/minute"
EXTENSION = "open311_limiter"
_UNSET = object()
_ENVIRON_KEY = "quartiersmelder.open311.api_key"
_LIMIT_KEY = "quartiersmelder.open311.limit"
SCOPE = "open311"  # the shared budget's scope (as Flask-Limiter named it: its storage keys)


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


class ApiRateLimitExceeded(TooManyRequests):
    """The client's budget is used up (answered 429 with ``Retry-After``)."""


@dataclass
class CurrentLimit:
    """The limit counted for this request: the limit, the storage key, and (read when asked)
    what is left of it and when its window ends."""

    limit: RateLimitItem
    identifiers: tuple[str, ...]
    limiter: RateLimiter

    @property
    def key(self) -> str:
        return self.limit.key_for(*self.identifiers)

    @cached_property
    def _stats(self):
        return self.limiter.get_window_stats(self.limit, *self.identifiers)

    @property
    def remaining(self) -> int:
        return self._stats.remaining

    @property
    def reset_at(self) -> float:
        return self._stats.reset_time


class ApiLimiter:
    """Counts every request of the API blueprint against ``OPEN311_RATE_LIMIT`` (each of its
    limits, the narrowest first; the first one used up refuses the request, like Flask-Limiter
    with ``fail_on_first_breach``)."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.enabled = bool(config.get("RATELIMIT_ENABLED", True))
        self._limiter: RateLimiter | None = None
        self._parsed: dict[str, list[RateLimitItem]] = {}
        self._lock = threading.Lock()
        if self.enabled:
            storage = storage_from_string(
                config.get("RATELIMIT_STORAGE_URI") or "memory://",
                **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
            )
            strategy = config.get("RATELIMIT_STRATEGY") or "fixed-window"
            self._limiter = STRATEGIES[strategy](storage)

    def _limits(self, value: str) -> list[RateLimitItem]:
        parsed = self._parsed.get(value)
        if parsed is None:
            parsed = sorted(parse_many(value))
            with self._lock:
                self._parsed[value] = parsed
        return parsed

    def check(self) -> None:
        """Count this request; raise ``ApiRateLimitExceeded`` when its budget is used up."""
        limiter = self._limiter
        if limiter is None:
            return
        identifiers = (rate_limit_key(), SCOPE)
        current = None
        for limit in self._limits(rate_limit_value()):
            current = CurrentLimit(limit, identifiers, limiter)
            request.environ[_LIMIT_KEY] = current
            if not limiter.hit(limit, *identifiers):
                raise ApiRateLimitExceeded()

    @property
    def current_limit(self) -> CurrentLimit | None:
        """The limit this request was counted against (the one that refused it, if any)."""
        return request.environ.get(_LIMIT_KEY)


def retry_after_seconds() -> int:
    """Seconds until the limit that refused this request has room again."""
    limiter = current_app.extensions.get(EXTENSION)
    limit = limiter.current_limit if limiter is not None else None
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def init_limiter(app: Flask, bp: Blueprint) -> ApiLimiter:
    """The limiter of this app (one per app, so apps do not share state), checked first of the
    API blueprint's hooks: before its format check, after the app's (NUL refusal, city version)."""
    limiter = ApiLimiter(app)
    if limiter.enabled:
        app.before_request_funcs.setdefault(bp.name, []).insert(0, limiter.check)
    app.extensions[EXTENSION] = limiter
    return limiter
