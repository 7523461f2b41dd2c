"""Staff log-in: sessions, throttling, roles, safe redirects."""

from __future__ import annotations

import re

import pytest
from flask import g

from app.auth.models import Role
from app.auth.services import AccountError, create_user
from app.extensions import db


def csrf(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return (
        re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
            html,
        ).group(1)
        or ""
    )


def login(client, email, password, **kw):
    token = re.search(
        r'value="([^"]+)"',
        client.get("/login").get_data(as_text=True).split('name="csrf_token"')[1],
    ).group(1)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, **kw
    )


def test_inbox_needs_a_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_log_in_and_out(client, make_user):
    user = make_user("caseworker", ("edg",))
    response = login(client, user.email, "a long test password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = client.get("/inbox/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_wrong_password_gets_a_clear_message(client, make_user):
    user = make_user()
    response = login(client, user.email, "wrong password!!")
    assert response.status_code == 401
    assert "E-Mail oder Passwort ist falsch." in response.get_data(as_text=True)


def test_disabled_accounts_cannot_log_in(client, make_user):
    user = make_user()
    user.is_enabled = False
    db.session.commit()
    assert login(client, user.email, "a long test password").status_code == 401


def test_login_is_throttled_per_account(client, make_user):
    user = make_user()
    for _ in range(5):
        assert login(client, user.email, "wrong password!!").status_code == 401
    blocked = login(client, user.email, "a long test password")
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"]
    assert "Zu viele Fehlversuche" in blocked.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example.invalid/", "//evil.example.invalid/x"])
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user()
    response = login(client, user.email, "a long test password", query_string={"next": target})
    assert response.headers["Location"] == "/inbox/"


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "a long test password"})
    assert response.status_code == 400


def test_account_rules(app_ctx):
    with pytest.raises(AccountError):
        create_user("x@example.invalid", "X", "short", Role.ADMIN)
    with pytest.raises(AccountError):
        create_user("x@example.invalid", "X", "a long enough password", Role.CASEWORKER)
    with pytest.raises(AccountError):
        create_user("x@example.invalid", "X", "a long enough password", Role.CASEWORKER, ["nope"])
    create_user("X@Example.invalid", "X", "a long enough password", Role.ADMIN)
    with pytest.raises(AccountError):
        create_user("x@example.invalid", "X", "a long enough password", Role.ADMIN)


def test_a_new_password_ends_the_old_sessions(client, make_user):
    user = make_user()
    login(client, user.email, "a long test password")
    assert client.get("/inbox/").status_code == 200
    user.set_password("another long password")
    db.session.commit()
    g.pop("_login_user", None)  # the test shares its app context (and g) with the client
    assert client.get("/inbox/").status_code == 302
