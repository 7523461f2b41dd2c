"""Log-in throttling with the ``limits`` library (the one Flask-Limiter is built on). Failed
attempts are counted in ``RATELIMIT_STORAGE_URI`` (Redis shared by several web processes in
production) per account **and** address pair, per address, and per account:

- an address that failed ``LOGIN_FAILURES_PER_PAIR`` times at one account waits until the
  window has room again — for that account only, so nobody can lock a colleague out from
  another address;
- an address that failed ``LOGIN_FAILURES_PER_ADDRESS`` times at any accounts waits as well;
- an account that failed ``LOGIN_FAILURES_PER_ACCOUNT`` times from any addresses (guessing
  spread over many addresses) is **slowed, not locked**: one attempt per ``LOGIN_SLOW_PACE``
  (a few seconds' wait). A browser that logged in to the account before (a signed cookie, see
  ``known_device``) is not slowed, so the account's owner still gets in during such an attack.

Everything is keyed by the e-mail address as typed (lower case), whether an account exists or
not, so the answers tell nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.wrappers import Response

_EXT = "qm_login_throttle"
KNOWN_DEVICE_COOKIE = "qm_known_login"
KNOWN_DEVICE_MAX_AGE = 90 * 24 * 3600
KNOWN_DEVICE_ACCOUNTS = 5  # a shared office computer remembers a few accounts
_SALT = "qm-known-login"


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get(_EXT)
    if limiter is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        limiter = MovingWindowRateLimiter(storage)
        current_app.extensions[_EXT] = limiter
    return limiter


def _item(setting: str) -> RateLimitItem:
    return parse(current_app.config[setting])


def _account(email: str) -> str:
    return email.strip().lower()


def _wait(limiter: MovingWindowRateLimiter, item: RateLimitItem, *keys: str) -> int:
    """0 when ``item`` has room for ``keys``, else the seconds until it has."""
    if limiter.test(item, *keys):
        return 0
    reset_at = limiter.get_window_stats(item, *keys).reset_time
    return max(1, int(reset_at - time.time()) + 1)


def seconds_blocked(email: str, address: str, *, known_device: bool = False) -> int:
    """0 when a log-in attempt may go ahead, else how long to wait."""
    limiter = _limiter()
    account = _account(email)
    waits = [
        _wait(limiter, _item("LOGIN_FAILURES_PER_PAIR"), "login-pair", account, address),
        _wait(limiter, _item("LOGIN_FAILURES_PER_ADDRESS"), "login-address", address),
    ]
    if not known_device and not limiter.test(
        _item("LOGIN_FAILURES_PER_ACCOUNT"), "login-account", account
    ):
        waits.append(_wait(limiter, _item("LOGIN_SLOW_PACE"), "login-pace", account))
    return max(waits)


def record_failure(email: str, address: str) -> None:
    limiter = _limiter()
    account = _account(email)
    limiter.hit(_item("LOGIN_FAILURES_PER_PAIR"), "login-pair", account, address)
    limiter.hit(_item("LOGIN_FAILURES_PER_ADDRESS"), "login-address", address)
    ceiling = _item("LOGIN_FAILURES_PER_ACCOUNT")
    limiter.hit(ceiling, "login-account", account)
    if not limiter.test(ceiling, "login-account", account):
        # Past the ceiling: the next attempt for this account waits for the pace.
        limiter.hit(_item("LOGIN_SLOW_PACE"), "login-pace", account)


def record_success(email: str, address: str) -> None:
    """A correct password from this address: its failures at this account start again. The
    account's count stays (an attack from elsewhere goes on)."""
    limiter = _limiter()
    limiter.clear(_item("LOGIN_FAILURES_PER_PAIR"), "login-pair", _account(email), address)


# --- browsers that logged in before ------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(email: str) -> str:
    return hashlib.sha256(_account(email).encode()).hexdigest()[:24]


def _known_accounts(cookies: Mapping[str, str]) -> list[str]:
    value = cookies.get(KNOWN_DEVICE_COOKIE)
    if not value:
        return []
    try:
        accounts = _serializer().loads(value, max_age=KNOWN_DEVICE_MAX_AGE)
    except BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def known_device(cookies: Mapping[str, str], email: str) -> bool:
    """Did this browser log in to this account before (a cookie signed by this server)?"""
    return _fingerprint(email) in _known_accounts(cookies)


def remember_device(response: Response, cookies: Mapping[str, str], email: str) -> None:
    """After a successful log-in: this browser is known for this account."""
    accounts = [a for a in _known_accounts(cookies) if a != _fingerprint(email)]
    accounts = [*accounts, _fingerprint(email)][-KNOWN_DEVICE_ACCOUNTS:]
    config = current_app.config
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        _serializer().dumps(accounts),
        max_age=KNOWN_DEVICE_MAX_AGE,
        path=url_for("auth.login"),
        secure=bool(config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
