"""Log-out ends the session on the server, and an unknown account costs the same password-hash
work as a known one."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.auth.test_login import login
from tests.security.limited_apps import limited_app  # noqa: F401  (fixture)

PASSWORD = "a long test password"


@pytest.fixture
def served(limited_app):  # noqa: F811
    """An app of its own: each request gets a fresh app context (and ``g``), as in production,
    so nothing a request remembers can stand in for the session check of the next."""
    return limited_app()


def log_out(client) -> None:
    page = client.get("/inbox/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def browser_with(app, cookie: str):
    """Another browser (or an attacker) that holds a copy of the session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_session_cookie_kept_from_before_log_out_opens_nothing(served, make_user):
    client = served.test_client()
    user = make_user()
    assert login(client, user.email, PASSWORD).status_code == 302
    saved = client.get_cookie("session").value
    assert browser_with(served, saved).get("/inbox/").status_code == 200  # the copy works

    log_out(client)

    replayed = browser_with(served, saved).get("/inbox/")
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/login")
    # Logging in again opens a new session, which works.
    assert login(client, user.email, PASSWORD).status_code == 302
    assert client.get("/inbox/").status_code == 200


def test_log_out_ends_the_accounts_other_sessions_too(served, make_user):
    """The session version belongs to the account: log-out ends it on every device."""
    user = make_user()
    office, phone = served.test_client(), served.test_client()
    login(office, user.email, PASSWORD)
    login(phone, user.email, PASSWORD)
    log_out(office)
    assert phone.get("/inbox/").status_code == 302


def test_log_out_of_one_account_leaves_others_logged_in(served, make_user):
    first, second = make_user(), make_user()
    one, two = served.test_client(), served.test_client()
    login(one, first.email, PASSWORD)
    login(two, second.email, PASSWORD)
    log_out(one)
    assert two.get("/inbox/").status_code == 200


# --- timing: the same hash work for unknown accounts -----------------------------------------


@pytest.fixture
def scrypt_calls(app_ctx, monkeypatch):
    """Accounts hashed with scrypt (production's method); every scrypt computation is recorded
    (and still computed)."""
    monkeypatch.setitem(app_ctx.config, "PASSWORD_HASH_METHOD", "scrypt")
    calls: list[tuple[int, int, int]] = []
    real = hashlib.scrypt

    def recording(password, *, salt, n, r, p, maxmem=0, dklen=64):
        calls.append((n, r, p))
        return real(password, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=dklen)

    monkeypatch.setattr(hashlib, "scrypt", recording)
    return calls


def test_unknown_and_known_accounts_cost_the_same_hash_work(client, make_user, scrypt_calls):
    user = make_user()
    assert user.password_hash.startswith("scrypt:")
    attempts = {
        "known, wrong password": (user.email, "wrong password!!"),
        "unknown account": ("nobody@example.invalid", "wrong password!!"),
        "known, right password": (user.email, PASSWORD),
    }
    work = {}
    for name, (email, password) in attempts.items():
        scrypt_calls.clear()
        response = login(client, email, password)
        assert response.status_code in (302, 401), name
        work[name] = list(scrypt_calls)
    assert work["unknown account"] == work["known, wrong password"] == work["known, right password"]
    assert len(work["unknown account"]) == 1


def test_a_disabled_account_costs_the_same_too(client, make_user, scrypt_calls):
    from app.extensions import db

    user = make_user()
    user.is_enabled = False
    db.session.commit()
    scrypt_calls.clear()
    assert login(client, user.email, PASSWORD).status_code == 401
    assert len(scrypt_calls) == 1
