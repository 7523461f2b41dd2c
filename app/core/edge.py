"""What every request passes before any view: the client's address behind trusted proxies,
the refusal of NUL characters, and (on the way out) the security headers.

``install(app)`` is all the factory calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.headers import policy_headers, with_security_headers

NUL = "\x00"


class NulByteRefused(BadRequest):
    """A path, parameter or field held a NUL character (``%00``).

    No text column of the database can store one (PostgreSQL refuses it outright), no valid
    input needs one, so it is refused before any view reads the request. The error pages say
    so in the user's language; the APIs answer in their own error format."""

    description = "The request contains a NUL character (%00), which is not allowed."


class NamelessFieldRefused(BadRequest):
    """A multipart part without a name: no view reads it, and checks that look at every field
    name (ours below, Flask-WTF's CSRF token search) would trip over its name ``None``."""

    description = "The request contains a form field without a name."


class Edge:
    """WSGI middleware around the app. On the way in, Werkzeug's ``ProxyFix`` for
    ``TRUSTED_PROXIES`` proxies (read per request, so a test can change it), which take the
    client's address from ``X-Forwarded-For`` and the scheme from ``X-Forwarded-Proto``. With 0
    the forwarded headers are ignored: a client could otherwise claim any address and slip past
    per-address limits. On the way out, the security headers (``app.core.headers``) on every
    response, the error pages' and the files' too.

    The host stays what the proxy passes as ``Host`` (``proxy_set_header Host $host``): a proxy
    that does not overwrite ``X-Forwarded-Host`` would let a client choose it."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._fixes: dict[int, ProxyFix] = {}

    def __call__(self, environ, start_response):
        config = self.app.config
        policy = policy_headers(config)

        def secured(status, headers, exc_info=None):
            return start_response(status, with_security_headers(headers, policy), exc_info)

        count = int(config.get("TRUSTED_PROXIES") or 0)
        if count <= 0:
            return self.wsgi_app(environ, secured)
        fix = self._fixes.get(count)
        if fix is None:
            fix = self._fixes[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count)
        return fix(environ, secured)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value (keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _request_strings() -> Iterable[str]:
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for key, upload in request.files.items(multi=True):
            yield key
            yield upload.filename or ""
        if request.is_json:
            yield from _strings(request.get_json(silent=True))


# The Open311 API keeps the behaviour its clients know: it drops NUL characters from its input
# itself (``app/open311/params.py``, tested in ``tests/open311``) and answers 404 for a path
# with one; it never hands one to the database.
CLEANS_ITS_OWN_INPUT = frozenset({"open311"})


def refuse_nul_bytes() -> None:
    """Before every other check (rate limits look up API keys, CSRF reads the form)."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and (
        None in request.form or None in request.files
    ):
        raise NamelessFieldRefused()
    if request.blueprint in CLEANS_ITS_OWN_INPUT:
        return
    if any(NUL in text for text in _request_strings()):
        raise NulByteRefused()


def install(app: Flask) -> None:
    app.wsgi_app = Edge(app, app.wsgi_app)  # type: ignore[method-assign]  # Flask's documented way to add WSGI middleware
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
