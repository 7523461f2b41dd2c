"""Flask's signed-cookie sessions, with less work per request.

Flask builds the cookie's serializer (itsdangerous, with the secret key and its fallbacks)
anew for every request, and works out the cookie's seven attributes before it sees that there
is nothing to store. Most requests carry no session at all (API clients, the bot, the map's
data): for them nothing is built; the serializer is made once per set of keys.
"""

from __future__ import annotations

import threading

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer

_Keys = tuple[str | bytes, ...]


class CookieSessions(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` with the same cookies: the serializer kept per set of
    keys (a changed ``SECRET_KEY`` or fallback list gets a new one), and a request that sent
    no session cookie and stored nothing answered without one."""

    def __init__(self) -> None:
        self._serializers: dict[_Keys, URLSafeTimedSerializer] = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys: _Keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            assert serializer is not None
            with self._lock:
                if len(self._serializers) >= 8:  # keys rotated many times: start afresh
                    self._serializers.clear()
                self._serializers[keys] = serializer
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # "in", not ``cookies.get``: werkzeug makes (and catches) an exception for a name not
        # there.
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()  # no cookie: an empty session, as Flask's
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:  # nothing to store or to remove
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def install_sessions(app: Flask) -> None:
    app.session_interface = CookieSessions()
