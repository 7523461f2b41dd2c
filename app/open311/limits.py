"""Rate limit of the API: ``OPEN311_RATE_LIMIT`` (default 2000 per minute) per API key, or per
client address for requests without a valid key; all API routes share one budget.

Counters live in ``RATELIMIT_STORAGE_URI`` (memory by default, Redis when configured, so that
several web processes share them), counted by the ``limits`` library's fixed window
(``RATELIMIT_STRATEGY``) under the same keys Flask-Limiter used; ``RATELIMIT_ENABLED=False``
switches limiting off. The check is one hook of the API blueprint, with no per-request work for
the rest of the site; a refusal is a 429 with ``Retry-After`` (``app/open311/errors.py``).

Shared counters are counted in batches where the budget is large: a process takes up to
``OPEN311_RATE_LIMIT_BATCH`` requests of a key's budget at once (at most 1 % of it) and counts
them off by itself, so a busy client costs a Redis round trip per batch instead of per request.
Every request still counts, and the budget is never exceeded: a process answers only requests
it has taken from the shared counter, in the window they were taken in (it stops using a batch
before that window ends). What a process took and did not use is lost to the key: at most a
batch less per process and window. Budgets under 200 requests per window, memory counters and
the other strategies count every request in the storage.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import cached_property

from flask import Blueprint, Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import STRATEGIES, FixedWindowRateLimiter, RateLimiter
from werkzeug.exceptions import TooManyRequests

from app.cities.cache import generation
from app.open311.keys import ActiveKey, find_active_key

DEFAULT_RATE_LIMIT = "2000/minute"
DEFAULT_BATCH = 32  # requests of a budget a process takes from the shared counter at once
_BATCHES_KEPT = 1000  # batches kept per process before the ended ones are dropped
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
class _Batch:
    """Requests of a key's budget a process took from the shared counter and has not used yet,
    and the time (``time.time()``) before which it may use them."""

    left: int
    until: float


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
        self._batch_max = 1  # every request counted in the storage
        if self.enabled:
            storage = storage_from_string(
                config.get("RATELIMIT_STORAGE_URI") or "memory://",
                **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
            )
            strategy = config.get("RATELIMIT_STRATEGY") or "fixed-window"
            self._limiter = STRATEGIES[strategy](storage)
            # Batches only where the counters are shared and a hit is a plain increment.
            if isinstance(self._limiter, FixedWindowRateLimiter) and not isinstance(
                storage, MemoryStorage
            ):
                self._batch_max = int(config.get("OPEN311_RATE_LIMIT_BATCH", DEFAULT_BATCH))
        self._batches: dict[str, _Batch] = {}

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
            if not self._hit(limiter, limit, identifiers):
                raise ApiRateLimitExceeded()

    def _hit(
        self, limiter: RateLimiter, limit: RateLimitItem, identifiers: tuple[str, ...]
    ) -> bool:
        """Count one request against ``limit``: from this process's batch while it lasts, else
        in the storage (a new batch where the budget is large enough)."""
        size = min(self._batch_max, limit.amount // 100)
        if size <= 1:
            return limiter.hit(limit, *identifiers)
        key = limit.key_for(*identifiers)
        with self._lock:  # one thread takes a new batch, the others wait for it
            now = time.time()
            batch = self._batches.get(key)
            if batch is not None and batch.left > 0 and now < batch.until:
                batch.left -= 1
                return True
            storage = limiter.storage
            # The window's end as the storage tells it (in whole seconds, rounded: one second
            # off to be safe), read before the increment: should the window end in between,
            # the batch (counted in the next one) is given up early, never used too long.
            ends = storage.get_expiry(key) - 1
            count = storage.incr(key, limit.get_expiry(), amount=size)
            # Of the ``size`` requests counted, those within the budget are this process's.
            taken = max(0, min(size, limit.amount - (count - size)))
            if ends <= now:  # no window, or one ending within a second
                # A window this increment opened lasts a full window from before it.
                ends = now + limit.get_expiry() if count == size else now
            if len(self._batches) >= _BATCHES_KEPT:  # many clients: forget the ended batches
                self._batches = {k: b for k, b in self._batches.items() if b.until > now}
            self._batches[key] = _Batch(taken - 1, ends)
            return taken > 0

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
