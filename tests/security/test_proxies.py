"""Behind ``TRUSTED_PROXIES`` reverse proxies the client's own address (from X-Forwarded-For)
counts for per-address limits and log-in throttling; without trusted proxies the header is
ignored, so a client cannot pick its address."""

from __future__ import annotations

from flask import request

from tests.security.limited_apps import limited_app  # noqa: F401  (fixture)
from tests.web.support import RATHAUS

NEARBY = {"category": "papierkorb-voll", "lat": RATHAUS[0], "lon": RATHAUS[1]}
PROXY = {"REMOTE_ADDR": "127.0.0.1"}  # every request arrives from the proxy


def nearby(client, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.get(
        "/report/nearby", query_string=NEARBY, headers=headers, environ_base=PROXY
    ).status_code


def test_behind_one_proxy_each_client_has_its_own_budget(limited_app):  # noqa: F811
    client = limited_app(NEARBY_RATE_LIMIT="2/minute", TRUSTED_PROXIES=1).test_client()
    assert [nearby(client, "203.0.113.5") for _ in range(3)] == [200, 200, 429]
    # Another resident behind the same proxy is not locked out by the first one.
    assert nearby(client, "198.51.100.7") == 200
    # A client that adds its own X-Forwarded-For still gets the address the proxy saw.
    assert nearby(client, "10.9.9.9, 203.0.113.5") == 429


def test_without_trusted_proxies_the_header_is_ignored(limited_app):  # noqa: F811
    client = limited_app(NEARBY_RATE_LIMIT="2/minute").test_client()
    statuses = [nearby(client, f"203.0.113.{n}") for n in range(3)]
    assert statuses == [200, 200, 429]  # made-up addresses do not buy a new budget


def test_the_proxy_tells_the_scheme_and_the_client_address(limited_app):  # noqa: F811
    app = limited_app(TRUSTED_PROXIES=2)
    seen = {}

    @app.get("/_test/who")
    def who():
        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return "ok"

    app.test_client().get(
        "/_test/who",
        headers={"X-Forwarded-For": "198.51.100.7, 10.0.0.2", "X-Forwarded-Proto": "https, http"},
        environ_base=PROXY,
    )
    assert seen == {"addr": "198.51.100.7", "scheme": "https"}


def test_login_throttling_sees_the_client_behind_the_proxy(limited_app, make_user):  # noqa: F811
    from tests.auth.test_login import login

    user = make_user()
    client = limited_app(TRUSTED_PROXIES=1, LOGIN_FAILURES_PER_ADDRESS="3/15minutes").test_client()
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for n in range(3):
        assert (
            login(client, f"someone{n}@example.invalid", "wrong!!", headers=attacker).status_code
            == 401
        )
    assert login(client, user.email, "wrong!!", headers=attacker).status_code == 429
    colleague = {"X-Forwarded-For": "198.51.100.20"}
    assert login(client, user.email, "a long test password", headers=colleague).status_code == 302
