"""Login throttling with the ``limits`` library (the one Flask-Limiter is built on): failed
attempts are counted per account and per client address, in ``RATELIMIT_STORAGE_URI``
(memory, or Redis shared by several web processes)."""

from __future__ import annotations

import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

_EXT = "qm_login_throttle"
PER_ACCOUNT = "5/15minutes"
PER_ADDRESS = "30/15minutes"


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get(_EXT)
    if limiter is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        limiter = MovingWindowRateLimiter(storage)
        current_app.extensions[_EXT] = limiter
    return limiter


def _items(email: str, address: str):
    return (
        (parse(PER_ACCOUNT), "login-account", email.strip().lower()),
        (parse(PER_ADDRESS), "login-address", address),
    )


def seconds_blocked(email: str, address: str) -> int:
    """0 when a login attempt may go ahead, else how long to wait."""
    limiter = _limiter()
    wait = 0
    for item, *keys in _items(email, address):
        if not limiter.test(item, *keys):
            reset_at = limiter.get_window_stats(item, *keys).reset_time
            wait = max(wait, int(reset_at - time.time()) + 1)
    return wait


def record_failure(email: str, address: str) -> None:
    limiter = _limiter()
    for item, *keys in _items(email, address):
        limiter.hit(item, *keys)


def clear_account(email: str) -> None:
    """After a successful log-in the account's failure count starts again."""
    limiter = _limiter()
    item, *keys = _items(email, "")[0]
    limiter.clear(item, *keys)
